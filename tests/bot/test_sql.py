"""bot/sql.py against a SQLite file and a real PostgreSQL: migrations are applied once each, in
order, and errors name the database without its password."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from bot.sql import DatabaseError, migrate, open_database


def write(folder: Path, name: str, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text)


def test_migrations_are_applied_once_each_in_order(location: str, tmp_path: Path) -> None:
    db, folder = open_database(location), tmp_path / "notes" / "migrations"
    write(folder, "001_notes.sql", "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL);")
    write(
        folder,
        "002_more.sql",
        "ALTER TABLE notes ADD COLUMN author TEXT;\nINSERT INTO notes (id, text) VALUES (1, 'a');",
    )
    write(folder, "README.txt", "not a migration")
    assert migrate(db, folder) == ["notes/001_notes.sql", "notes/002_more.sql"]
    assert migrate(open_database(location), folder) == []  # a second start applies nothing
    write(folder, "003_index.sql", "CREATE INDEX notes_author ON notes (author)")
    assert migrate(db, folder) == ["notes/003_index.sql"]
    other = tmp_path / "other" / "migrations"  # another package's 001 in the same database
    write(other, "001_notes.sql", "CREATE TABLE other_notes (id INTEGER)")
    assert migrate(db, other) == ["other/001_notes.sql"]
    with db.transaction() as tx:
        assert [dict(r) for r in tx.execute("SELECT id, text, author FROM notes").fetchall()] == [
            {"id": 1, "text": "a", "author": None}
        ]


def test_a_failed_migration_leaves_nothing_half_done(location: str, tmp_path: Path) -> None:
    db, folder = open_database(location), tmp_path / "bad" / "migrations"
    write(folder, "001_bad.sql", "CREATE TABLE fine (id INTEGER);\nCREATE TABLE broken (")
    with pytest.raises(DatabaseError):
        migrate(db, folder)
    write(folder, "001_bad.sql", "CREATE TABLE fine (id INTEGER)")
    assert migrate(db, folder) == ["bad/001_bad.sql"]


def test_an_error_names_the_database_but_not_its_password() -> None:
    db = open_database("postgresql://askit:s3cret-pw@127.0.0.1:1/askit")
    with pytest.raises(DatabaseError) as error:
        db.create("SELECT 1")
    assert "127.0.0.1:1" in str(error.value) and "s3cret-pw" not in str(error.value)


def _start_up(location: str, folder: str) -> list[str]:
    """What a server does when it starts: its tables, then its migrations (in a process of its own)."""
    db, package = open_database(location), Path(folder).parent.name
    db.create(f"CREATE TABLE IF NOT EXISTS {package}_started (id INTEGER PRIMARY KEY)")
    return migrate(db, Path(folder))


def test_servers_starting_at_once_create_the_schema_once_without_an_error(location: str, tmp_path: Path) -> None:
    """Replicas start together: on PostgreSQL two ran CREATE TABLE IF NOT EXISTS at the same moment
    and one failed on a unique violation (found by the scale-out test). Eight processes, five times."""
    with ProcessPoolExecutor(8, mp_context=multiprocessing.get_context("spawn")) as servers:
        for round in range(5):
            folder = tmp_path / f"notes{round}" / "migrations"
            write(folder, "001_notes.sql", f"CREATE TABLE notes{round} (id INTEGER PRIMARY KEY)")
            write(folder, "002_more.sql", f"ALTER TABLE notes{round} ADD COLUMN author TEXT")
            applied = list(servers.map(_start_up, [location] * 8, [str(folder)] * 8))
            assert sorted(name for names in applied for name in names) == [
                f"notes{round}/001_notes.sql",
                f"notes{round}/002_more.sql",
            ]
