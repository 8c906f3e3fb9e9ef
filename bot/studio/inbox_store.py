"""What editors decided in the studio's inbox, kept in the back office's database (SQLite or
PostgreSQL, bot/sql.py): each task done or dismissed, each proposed phrasing accepted or rejected.
A decision is one INSERT that does nothing if one is there already, so of two editors deciding the
same thing at once exactly one is recorded and the other is told."""

from __future__ import annotations

from typing import Literal

from bot import sql
from bot.studio.store import MIGRATIONS

TaskDecision = Literal["done", "dismissed"]
PhrasingDecision = Literal["accepted", "rejected"]


class InboxStore:
    def __init__(self, db: sql.Database) -> None:
        self.db = db
        sql.migrate(db, MIGRATIONS)

    def decided_tasks(self, since: float) -> set[int]:
        """The questions whose task was decided at ``since`` or later: a task is decided after its
        question was asked, so these are all the decided tasks of questions asked since then."""
        with self.db.transaction() as tx:
            rows = tx.execute("SELECT question_id FROM studio_inbox_tasks WHERE decided_at >= ?", (since,)).fetchall()
        return {int(r["question_id"]) for r in rows}

    def decide_task(
        self, question_id: int, article_id: str, decision: TaskDecision, note: str, at: float, by: str
    ) -> bool:
        """Record the decision; False if the task was decided already (nothing changed)."""
        with self.db.transaction(immediate=True) as tx:
            cursor = tx.execute(
                "INSERT INTO studio_inbox_tasks (question_id, article_id, decision, note, decided_at, decided_by)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (question_id) DO NOTHING",
                (question_id, article_id, decision, note, at, by),
            )
            return cursor.rowcount == 1

    def decided_phrasings(self) -> set[tuple[str, str]]:
        """Every (article id, folded phrasing) decided."""
        with self.db.transaction() as tx:
            rows = tx.execute("SELECT article_id, phrasing FROM studio_inbox_phrasings").fetchall()
        return {(str(r["article_id"]), str(r["phrasing"])) for r in rows}

    def decide_phrasing(self, article_id: str, phrasing: str, decision: PhrasingDecision, at: float, by: str) -> bool:
        """Record the decision; False if this phrasing of this article was decided already."""
        with self.db.transaction(immediate=True) as tx:
            cursor = tx.execute(
                "INSERT INTO studio_inbox_phrasings (article_id, phrasing, decision, decided_at, decided_by)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (article_id, phrasing) DO NOTHING",
                (article_id, phrasing, decision, at, by),
            )
            return cursor.rowcount == 1
