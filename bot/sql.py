"""AskIT's SQL databases (the outbox, the back office, the insights store): a SQLite file, the
default, or PostgreSQL when configured (several servers sharing one). Both take the same SQL: ``?``
placeholders, ``ON CONFLICT``, ``RETURNING``. Any database error becomes DatabaseError naming the
database (never its password); numbered migrations are applied once each (``migrate``)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit


class DatabaseError(Exception):
    """The database cannot be opened or refused a statement; the message names it, never a password."""


class Cursor(Protocol):
    rowcount: int

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class Transaction(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor: ...


class Database(Protocol):
    name: str
    lock_for_claim: str  # appended to the claim's SELECT: rows other workers hold are skipped

    def create(self, schema: str) -> None: ...

    def transaction(self, immediate: bool = False) -> Any: ...  # a context manager giving a Transaction

    def schema_change(self) -> Any: ...  # a transaction no other process's schema_change runs beside


def one(cursor: Cursor) -> Any:
    """The one row a statement gives, or None (every row read, so the statement is finished)."""
    rows = cursor.fetchall()
    return rows[0] if rows else None


class SQLiteDatabase:
    """One file; ``BEGIN IMMEDIATE`` serialises writers, across processes too."""

    lock_for_claim = ""

    def __init__(self, path: Path) -> None:
        self.path, self.name = path, str(path)
        self._lock = threading.Lock()

    def create(self, schema: str) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=30)
            try:
                db.execute("PRAGMA journal_mode=WAL")  # readers never wait for the worker's writes
                db.executescript(schema)
            finally:
                db.close()
        except (OSError, sqlite3.Error) as exc:
            raise DatabaseError(f"{self.name} cannot be opened: {exc}") from exc

    def schema_change(self) -> Any:
        return self.transaction(immediate=True)  # BEGIN IMMEDIATE: one writer at a time

    @contextmanager
    def transaction(self, immediate: bool = False) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            except sqlite3.Error as exc:
                raise DatabaseError(f"{self.name}: {exc}") from exc
            db.row_factory = sqlite3.Row
            try:
                db.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
                yield db
                db.execute("COMMIT")
            except sqlite3.Error as exc:
                if db.in_transaction:
                    db.rollback()
                raise DatabaseError(f"{self.name}: {exc}") from exc
            except BaseException:
                if db.in_transaction:
                    db.rollback()
                raise
            finally:
                db.close()


class _PostgresTransaction:
    def __init__(self, connection: Any) -> None:
        self._connection = connection

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        cursor: Cursor = self._connection.execute(sql.replace("?", "%s"), params)
        return cursor


SCHEMA_LOCK = 0x41534B4954  # "ASKIT": the advisory lock key of schema changes


class PostgresDatabase:
    """A PostgreSQL database; claims use ``FOR UPDATE SKIP LOCKED`` so workers never wait on each other."""

    lock_for_claim = " FOR UPDATE SKIP LOCKED"

    def __init__(self, url: str) -> None:
        self.url = url
        parts = urlsplit(url)
        host = parts.hostname or ""
        self.name = urlunsplit(parts._replace(netloc=f"{parts.username or ''}@{host}:{parts.port or 5432}"))

    def create(self, schema: str) -> None:
        with self.schema_change() as db:
            for statement in filter(str.strip, schema.split(";")):
                db.execute(statement)

    @contextmanager
    def schema_change(self) -> Iterator[_PostgresTransaction]:
        """A transaction holding a lock every schema change takes first: two servers starting at
        once each run ``CREATE TABLE IF NOT EXISTS``, and PostgreSQL lets both try to create the
        table (the second fails on a unique violation) unless one waits for the other."""
        with self.transaction() as db:
            db.execute("SELECT pg_advisory_xact_lock(?)", (SCHEMA_LOCK,))
            yield db

    @contextmanager
    def transaction(self, immediate: bool = False) -> Iterator[_PostgresTransaction]:
        import psycopg
        from psycopg.rows import dict_row

        try:
            connection = psycopg.connect(self.url, row_factory=dict_row, connect_timeout=10)
        except psycopg.Error as exc:
            raise DatabaseError(f"{self.name}: {type(exc).__name__}") from exc
        try:
            with connection.transaction():
                yield _PostgresTransaction(connection)
        except psycopg.Error as exc:
            raise DatabaseError(f"{self.name}: {type(exc).__name__}: {exc.sqlstate}") from exc
        finally:
            connection.close()


def open_database(location: str | Path) -> Database:
    """A ``postgresql://`` URL, or the path of a SQLite file."""
    text = str(location)
    if text.startswith(("postgresql://", "postgres://")):
        return PostgresDatabase(text)
    return SQLiteDatabase(Path(text))


MIGRATIONS_TABLE = "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"


def migrate(db: Database, migrations: Path) -> list[str]:
    """Apply each ``NNN_*.sql`` file in ``migrations`` not yet applied, in order, each in its own
    transaction with its record; returns the names applied now. Several packages keep their tables
    in one database: each file is recorded under its package (the folder's parent), as
    ``insights/001_outcomes.sql``. Safe to run from several processes at once: a file another
    process applied first is skipped."""
    db.create(MIGRATIONS_TABLE)
    applied = []
    for path in sorted(migrations.glob("[0-9][0-9][0-9]_*.sql")):
        name = f"{migrations.resolve().parent.name}/{path.name}"
        with db.schema_change() as tx:
            if tx.execute("SELECT 1 FROM schema_migrations WHERE name = ?", (name,)).fetchone():
                continue
            for statement in filter(str.strip, path.read_text().split(";")):
                tx.execute(statement)
            tx.execute("INSERT INTO schema_migrations (name, applied_at) VALUES (?, CURRENT_TIMESTAMP)", (name,))
        applied.append(name)
    return applied
