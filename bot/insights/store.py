"""The insights store: question and ticket outcomes, loaded from the event broker's table in
batches. Each batch's outcomes, the conversations' states and how far the loader has read are
written in one transaction, so a loader stopped at any point and started again counts every event
exactly once. SQLite by default, PostgreSQL when configured (bot/sql.py)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot import sql
from bot.insights.events import BrokerEvent, read_events
from bot.insights.outcomes import Answered, Change, Delivered, Question, State, Ticket, follow

MIGRATIONS = Path(__file__).with_name("migrations")
BATCH = 5_000
SOURCE = "events"  # the one event source: the broker's table


@dataclass(frozen=True)
class Loaded:
    events: int
    questions: int
    tickets: int
    last_event: int


class InsightsStore:
    def __init__(self, db: sql.Database) -> None:
        self.db = db
        sql.migrate(db, MIGRATIONS)

    @classmethod
    def open(cls, location: str | Path) -> InsightsStore:
        return cls(sql.open_database(location))

    def last_event(self) -> int:
        with self.db.transaction() as tx:
            row = tx.execute("SELECT last_event FROM insights_progress WHERE source = ?", (SOURCE,)).fetchone()
        return int(row["last_event"]) if row else 0

    def load(self, events: sql.Database, batch: int = BATCH, max_batches: int | None = None) -> Loaded:
        """Read the events after the last one loaded, ``batch`` at a time, until none are left
        (or ``max_batches`` were loaded)."""
        total = Loaded(0, 0, 0, self.last_event())
        done = 0
        while max_batches is None or done < max_batches:
            found = read_events(events, total.last_event, batch)
            if not found:
                break
            loaded = self._apply(found)
            total = Loaded(
                total.events + loaded.events,
                total.questions + loaded.questions,
                total.tickets + loaded.tickets,
                loaded.last_event,
            )
            done += 1
        return total

    def _apply(self, found: list[BrokerEvent]) -> Loaded:
        with self.db.transaction(immediate=True) as tx:
            states: dict[str, State] = {}
            changes: list[Change] = []
            for event in found:
                if event.sender_id not in states:
                    states[event.sender_id] = self._state(tx, event.sender_id)
                states[event.sender_id], more = follow(states[event.sender_id], event)
                changes.extend(more)
            for change in changes:
                _record(tx, change)
            for conversation, state in states.items():
                tx.execute(
                    "INSERT INTO insights_conversations (conversation, state) VALUES (?, ?)"
                    " ON CONFLICT (conversation) DO UPDATE SET state = excluded.state",
                    (conversation, json.dumps(state.as_json())),
                )
            last = found[-1].id
            tx.execute(
                "INSERT INTO insights_progress (source, last_event) VALUES (?, ?)"
                " ON CONFLICT (source) DO UPDATE SET last_event = excluded.last_event",
                (SOURCE, last),
            )
        questions = sum(isinstance(c, Question) for c in changes)
        return Loaded(len(found), questions, sum(isinstance(c, Ticket) for c in changes), last)

    @staticmethod
    def _state(tx: Any, conversation: str) -> State:
        row = tx.execute("SELECT state FROM insights_conversations WHERE conversation = ?", (conversation,)).fetchone()
        return State.from_json(json.loads(row["state"])) if row else State()

    def forget_text(self, before: float) -> int:
        """Drop the text of questions asked before ``before`` (retention); the outcomes stay."""
        with self.db.transaction(immediate=True) as tx:
            cursor = tx.execute(
                "UPDATE insights_questions SET text = NULL WHERE at < ? AND text IS NOT NULL", (before,)
            )
            return int(cursor.rowcount)

    def questions(self, since: float = 0.0, until: float = float("inf")) -> list[Question]:
        with self.db.transaction() as tx:
            rows = tx.execute(
                "SELECT * FROM insights_questions WHERE at >= ? AND at < ? ORDER BY at", (since, _finite(until))
            ).fetchall()
        return [_question(row) for row in rows]

    def tickets(self, since: float = 0.0, until: float = float("inf")) -> list[Ticket]:
        with self.db.transaction() as tx:
            rows = tx.execute(
                "SELECT * FROM insights_tickets WHERE at >= ? AND at < ? ORDER BY at", (since, _finite(until))
            ).fetchall()
        return [_ticket(row) for row in rows]


def _finite(value: float) -> float:
    return min(value, 1e300)


def _record(tx: Any, change: Change) -> None:
    if isinstance(change, Question):
        tx.execute(
            "INSERT INTO insights_questions (id, conversation, user_key, at, channel, tenant, text, decision,"
            " article_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
            (change.id, change.conversation, change.user, change.at, change.channel, change.tenant, change.text,
             change.decision, change.article_id),
        )  # fmt: skip
    elif isinstance(change, Answered):
        if change.decision is not None:
            tx.execute(
                "UPDATE insights_questions SET decision = ?, article_id = ? WHERE id = ?",
                (change.decision, change.article_id, change.question_id),
            )
        if change.feedback is not None:
            tx.execute("UPDATE insights_questions SET feedback = ? WHERE id = ?", (change.feedback, change.question_id))
    elif isinstance(change, Ticket):
        tx.execute(
            "INSERT INTO insights_tickets (id, conversation, user_key, at, channel, tenant, ref, receipt,"
            " resolver_group, priority, article_id, question_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (id) DO NOTHING",
            (change.id, change.conversation, change.user, change.at, change.channel, change.tenant, change.ref,
             change.receipt, change.group, change.priority, change.article_id, change.question_id),
        )  # fmt: skip
    elif isinstance(change, Delivered):
        tx.execute("UPDATE insights_tickets SET ref = ? WHERE receipt = ?", (change.ref, change.receipt))


def _question(row: Any) -> Question:
    return Question(
        int(row["id"]), row["conversation"], row["user_key"], float(row["at"]), row["channel"], row["tenant"],
        row["text"], row["decision"], row["article_id"], row["feedback"],
    )  # fmt: skip


def _ticket(row: Any) -> Ticket:
    return Ticket(
        int(row["id"]), row["conversation"], row["user_key"], float(row["at"]), row["channel"], row["tenant"],
        row["ref"], row["receipt"], row["resolver_group"], row["priority"], row["article_id"], row["question_id"],
    )  # fmt: skip


def changes_of(events: Iterable[BrokerEvent]) -> list[Change]:
    """Every change ``events`` make, followed from fresh states (tests and tools)."""
    states: dict[str, State] = {}
    found: list[Change] = []
    for event in events:
        states[event.sender_id], more = follow(states.get(event.sender_id, State()), event)
        found.extend(more)
    return found
