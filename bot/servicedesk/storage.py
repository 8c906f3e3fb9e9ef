"""Where the outbox keeps its rows (bot/sql.py: a SQLite file by default, PostgreSQL for several
action servers sharing one outbox), with a database error turned into ServiceDeskUnavailable."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bot import sql
from bot.servicedesk.errors import ServiceDeskUnavailable


class OutboxDatabase:
    def __init__(self, db: sql.Database) -> None:
        self._db, self.name, self.lock_for_claim = db, db.name, db.lock_for_claim

    def create(self, schema: str) -> None:
        with self._unavailable():
            self._db.create(schema)

    @contextmanager
    def transaction(self, immediate: bool = False) -> Iterator[Any]:
        with self._unavailable(), self._db.transaction(immediate) as tx:
            yield tx

    @contextmanager
    def _unavailable(self) -> Iterator[None]:
        try:
            yield
        except sql.DatabaseError as exc:
            raise ServiceDeskUnavailable(f"outbox {exc}") from exc


def open_database(location: str | Path) -> OutboxDatabase:
    """A ``postgresql://`` URL, or the path of a SQLite file."""
    return OutboxDatabase(sql.open_database(location))
