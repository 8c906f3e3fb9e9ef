"""The studio's durable state in the back office's SQL database (bot/sql.py: SQLite by default,
PostgreSQL when configured): each article's working copy and stage, and every published version.
Every change names the version it read and is one conditional UPDATE, so of two editors saving at
once exactly one wins and the other is told (StaleDraft), never silently overwritten. A publish
writes the new row and the new version in one transaction."""

from __future__ import annotations

import json
from dataclasses import astuple, fields
from pathlib import Path
from typing import Any

from bot import sql
from bot.studio.errors import StaleDraft, UnknownArticle
from bot.studio.models import StudioArticle, Version

MIGRATIONS = Path(__file__).with_name("migrations")
COLUMNS = tuple(f.name for f in fields(StudioArticle))
VERSION_COLUMNS = tuple(f.name for f in fields(Version))


def _row(article: StudioArticle) -> tuple[Any, ...]:
    values = list(astuple(article))
    values[COLUMNS.index("councils")] = json.dumps(list(article.councils))
    return tuple(values)


def _article(row: Any) -> StudioArticle:
    values = {name: row[name] for name in COLUMNS}
    values["councils"] = tuple(json.loads(values["councils"]))
    return StudioArticle(**values)


def _version(row: Any) -> Version:
    return Version(**{name: row[name] for name in VERSION_COLUMNS})


class StudioStore:
    def __init__(self, db: sql.Database) -> None:
        self.db = db
        sql.migrate(db, MIGRATIONS)

    def get(self, article_id: str) -> StudioArticle | None:
        with self.db.transaction() as tx:
            row = tx.execute("SELECT * FROM studio_articles WHERE article_id = ?", (article_id,)).fetchone()
        return None if row is None else _article(row)

    def listed(self) -> list[StudioArticle]:
        with self.db.transaction() as tx:
            return [_article(r) for r in tx.execute("SELECT * FROM studio_articles ORDER BY article_id").fetchall()]

    def versions(self, article_id: str) -> list[Version]:
        """Every published version, newest first."""
        with self.db.transaction() as tx:
            rows = tx.execute(
                "SELECT * FROM studio_versions WHERE article_id = ? ORDER BY number DESC", (article_id,)
            ).fetchall()
        return [_version(r) for r in rows]

    def version(self, article_id: str, number: int) -> Version:
        with self.db.transaction() as tx:
            row = tx.execute(
                "SELECT * FROM studio_versions WHERE article_id = ? AND number = ?", (article_id, number)
            ).fetchone()
        if row is None:
            raise UnknownArticle(f"{article_id} has no version {number}")
        return _version(row)

    def write(self, article: StudioArticle, read: int, published: Version | None = None) -> StudioArticle:
        """Make ``article`` (at version ``read`` + 1) the row, if the row is still at ``read`` (0: no
        row yet); with ``published``, add that version in the same transaction (and, for an article
        the studio had not held, the folder's file as version 1: ``baseline``). StaleDraft otherwise."""
        if article.version != read + 1:
            raise ValueError(f"a change of version {read} makes version {read + 1}, not {article.version}")
        with self.db.transaction(immediate=True) as tx:
            if read == 0:
                taken = tx.execute("SELECT 1 FROM studio_articles WHERE article_id = ?", (article.article_id,))
                written = taken.fetchone() is None
                if written:
                    marks = ", ".join("?" for _ in COLUMNS)
                    tx.execute(f"INSERT INTO studio_articles ({', '.join(COLUMNS)}) VALUES ({marks})", _row(article))
            else:
                assignments = ", ".join(f"{c} = ?" for c in COLUMNS if c != "article_id")
                values = [v for c, v in zip(COLUMNS, _row(article), strict=True) if c != "article_id"]
                cursor = tx.execute(
                    f"UPDATE studio_articles SET {assignments} WHERE article_id = ? AND version = ?",
                    (*values, article.article_id, read),
                )
                written = cursor.rowcount == 1
            if written and published is not None:
                self._add_version(tx, published)
        if not written:
            current = self.get(article.article_id)
            if current is None:
                raise UnknownArticle(article.article_id)
            raise StaleDraft(current)
        return article

    def add_baseline(self, version: Version) -> None:
        """The folder's file as version 1 of an article the studio starts to hold; nothing if one is kept already."""
        with self.db.transaction(immediate=True) as tx:
            if tx.execute("SELECT 1 FROM studio_versions WHERE article_id = ?", (version.article_id,)).fetchone():
                return
            self._add_version(tx, version)

    @staticmethod
    def _add_version(tx: sql.Transaction, version: Version) -> None:
        marks = ", ".join("?" for _ in VERSION_COLUMNS)
        tx.execute(f"INSERT INTO studio_versions ({', '.join(VERSION_COLUMNS)}) VALUES ({marks})", astuple(version))

    def next_number(self, article_id: str) -> int:
        with self.db.transaction() as tx:
            row = tx.execute(
                "SELECT MAX(number) AS last FROM studio_versions WHERE article_id = ?", (article_id,)
            ).fetchone()
        return int(row["last"] or 0) + 1
