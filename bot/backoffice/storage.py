"""The back office's one SQL database (bot/sql.py: SQLite by default, PostgreSQL by URL), brought
up to date with this package's numbered migrations when the app starts."""

from __future__ import annotations

from pathlib import Path

from bot.sql import Database, migrate, open_database

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def open_storage(location: str | Path) -> Database:
    """The database at ``location``, migrated; DatabaseError names it if it cannot be used."""
    db = open_database(location)
    migrate(db, MIGRATIONS)
    return db
