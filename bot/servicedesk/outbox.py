"""The durable outbox: every ticket request is written here first, then delivered by a worker.

    submit ──> pending ──claim──> sending ──desk answered──> delivered (ref stored)
                  ^                  │
                  └── retry later ───┤ (backoff with jitter, or the desk's Retry-After)
                                     └── rejected, or too many attempts ──> dead ──operator retry──> pending

A claim holds a lease; a worker killed mid-delivery leaves its row in ``sending``, and once the lease
runs out any worker claims it again. Every claim after the first may follow an attempt whose outcome
is unknown (a timeout, a crash), so the worker first asks the desk for the correlation id and only
creates the ticket if the desk has none: one request, one ticket.

SQLite (the default, ``var/outbox.sqlite``; several processes may share the file) or PostgreSQL
(``ASKIT_OUTBOX_DB=postgresql://...``, for several action-server replicas): ``storage.py``.
"""

from __future__ import annotations

import dataclasses
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.servicedesk.models import Requester, TicketRef, TicketRequest
from bot.servicedesk.storage import open_database

PENDING, SENDING, DELIVERED, DEAD = "pending", "sending", "delivered", "dead"
RECEIPT_PREFIX = "ASKIT-"
SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    correlation_id TEXT PRIMARY KEY,
    receipt TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    channel TEXT,
    request TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at DOUBLE PRECISION NOT NULL,
    lease_until DOUBLE PRECISION,
    ref TEXT,
    url TEXT,
    last_error TEXT,
    notified INTEGER NOT NULL DEFAULT 0,
    created_at DOUBLE PRECISION NOT NULL,
    updated_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (state, next_attempt_at);
CREATE INDEX IF NOT EXISTS outbox_conversation ON outbox (conversation_id, state);
"""


def receipt_for(correlation_id: str) -> str:
    """The short reference the user is given before the desk has answered."""
    return RECEIPT_PREFIX + correlation_id.replace("-", "")[:8].upper()


def _encode(request: TicketRequest) -> str:
    return json.dumps(dataclasses.asdict(request), ensure_ascii=False)


def _decode(text: str) -> TicketRequest:
    fields = json.loads(text)
    return TicketRequest(**{**fields, "requester": Requester(**fields["requester"])})


@dataclass(frozen=True)
class Entry:
    """One ticket request as the outbox holds it."""

    correlation_id: str
    receipt: str
    conversation_id: str
    channel: str | None  # the chat channel the request came from: can it be told later?
    request: TicketRequest
    state: str
    attempts: int
    next_attempt_at: float
    ref: str | None
    url: str | None
    last_error: str | None
    created_at: float
    notified: bool  # the user has been told the outcome

    @property
    def ticket(self) -> TicketRef | None:
        return TicketRef(self.ref, self.url) if self.ref else None

    @classmethod
    def from_row(cls, row: Any) -> Entry:
        return cls(
            correlation_id=row["correlation_id"],
            receipt=row["receipt"],
            conversation_id=row["conversation_id"],
            channel=row["channel"],
            request=_decode(row["request"]),
            state=row["state"],
            attempts=row["attempts"],
            next_attempt_at=row["next_attempt_at"],
            ref=row["ref"],
            url=row["url"],
            last_error=row["last_error"],
            created_at=row["created_at"],
            notified=bool(row["notified"]),
        )


class Outbox:
    def __init__(self, location: str | Path, lease_seconds: float = 60.0) -> None:
        """``location``: a SQLite file, or a ``postgresql://`` URL."""
        self.db, self.lease_seconds = open_database(location), lease_seconds
        self.db.create(SCHEMA)

    def __repr__(self) -> str:
        return f"Outbox({self.db.name!r})"

    def _rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[Entry]:
        with self.db.transaction() as db:
            return [Entry.from_row(row) for row in db.execute(sql, params).fetchall()]

    def submit(self, request: TicketRequest, conversation_id: str, channel: str | None = None) -> Entry:
        """Record the request (once per correlation id) and return what the outbox holds for it."""
        now = time.time()
        with self.db.transaction(immediate=True) as db:
            db.execute(
                "INSERT INTO outbox (correlation_id, receipt, conversation_id, channel, request, state,"
                " next_attempt_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (correlation_id) DO NOTHING",
                (
                    request.correlation_id,
                    receipt_for(request.correlation_id),
                    conversation_id,
                    channel,
                    _encode(request),
                    PENDING,
                    now,
                    now,
                    now,
                ),
            )
            row = db.execute("SELECT * FROM outbox WHERE correlation_id = ?", (request.correlation_id,)).fetchone()
        return Entry.from_row(row)

    def get(self, correlation_id: str) -> Entry | None:
        rows = self._rows("SELECT * FROM outbox WHERE correlation_id = ?", (correlation_id,))
        return rows[0] if rows else None

    def claim(self, now: float | None = None) -> Entry | None:
        """Take the next due request for delivery, or one whose worker's lease ran out."""
        now = time.time() if now is None else now
        with self.db.transaction(immediate=True) as db:
            row = db.execute(
                "SELECT correlation_id FROM outbox WHERE (state = ? AND next_attempt_at <= ?)"
                " OR (state = ? AND lease_until < ?) ORDER BY next_attempt_at LIMIT 1" + self.db.lock_for_claim,
                (PENDING, now, SENDING, now),
            ).fetchone()
            if row is None:
                return None
            claimed = db.execute(
                "UPDATE outbox SET state = ?, attempts = attempts + 1, lease_until = ?, updated_at = ?"
                " WHERE correlation_id = ? RETURNING *",
                (SENDING, now + self.lease_seconds, now, row["correlation_id"]),
            ).fetchone()
        return Entry.from_row(claimed)

    def mark_delivered(self, correlation_id: str, ticket: TicketRef) -> None:
        with self.db.transaction() as db:
            db.execute(
                "UPDATE outbox SET state = ?, ref = ?, url = ?, lease_until = NULL, last_error = NULL, updated_at = ?"
                " WHERE correlation_id = ?",
                (DELIVERED, ticket.ref, ticket.url, time.time(), correlation_id),
            )

    def retry_later(self, correlation_id: str, error: str, at: float) -> None:
        self._set_state(correlation_id, PENDING, error, at)

    def park(self, correlation_id: str, error: str) -> None:
        self._set_state(correlation_id, DEAD, error, time.time())

    def _set_state(self, correlation_id: str, state: str, error: str, at: float) -> None:
        with self.db.transaction() as db:
            db.execute(
                "UPDATE outbox SET state = ?, last_error = ?, next_attempt_at = ?, lease_until = NULL, updated_at = ?"
                " WHERE correlation_id = ?",
                (state, error, at, time.time(), correlation_id),
            )

    def requeue_dead(self, correlation_id: str | None = None) -> int:
        """Operator retry: dead requests (one, or all) go back to pending with a fresh attempt count."""
        where, params = (
            ("state = ?", (DEAD,))
            if correlation_id is None
            else (
                "state = ? AND (correlation_id = ? OR receipt = ?)",
                (DEAD, correlation_id, correlation_id.upper()),
            )
        )
        with self.db.transaction() as db:
            cursor = db.execute(
                f"UPDATE outbox SET state = ?, attempts = 0, next_attempt_at = ?, updated_at = ? WHERE {where}",
                (PENDING, time.time(), time.time(), *params),
            )
            return cursor.rowcount

    def entries(self, state: str | None = None, limit: int = 1000) -> list[Entry]:
        if state is None:
            return self._rows("SELECT * FROM outbox ORDER BY created_at LIMIT ?", (limit,))
        return self._rows("SELECT * FROM outbox WHERE state = ? ORDER BY created_at LIMIT ?", (state, limit))

    def counts(self) -> dict[str, int]:
        with self.db.transaction() as db:
            rows = db.execute("SELECT state, COUNT(*) AS n FROM outbox GROUP BY state").fetchall()
        return {row["state"]: row["n"] for row in rows}

    def for_conversation(self, conversation_id: str) -> list[Entry]:
        """The conversation's requests, newest first."""
        return self._rows("SELECT * FROM outbox WHERE conversation_id = ? ORDER BY created_at DESC", (conversation_id,))

    def by_receipt(self, conversation_id: str, receipt: str) -> Entry | None:
        """The conversation's request with this ASKIT-... receipt (another conversation's is not found)."""
        rows = self._rows(
            "SELECT * FROM outbox WHERE conversation_id = ? AND receipt = ?", (conversation_id, receipt.upper())
        )
        return rows[0] if rows else None

    def take_news(self, conversation_id: str) -> list[Entry]:
        """Requests delivered or parked since the user was last told, marked as told.

        Runs on every question, so it only reads unless there is news: no write lock for nothing."""
        unseen = "conversation_id = ? AND notified = 0 AND state IN (?, ?)"
        params = (conversation_id, DELIVERED, DEAD)
        if not self._rows(f"SELECT * FROM outbox WHERE {unseen} LIMIT 1", params):
            return []
        with self.db.transaction(immediate=True) as db:
            rows = db.execute(f"UPDATE outbox SET notified = 1 WHERE {unseen} RETURNING *", params).fetchall()
        return sorted((Entry.from_row(row) for row in rows), key=lambda e: e.created_at)

    def untold(self, correlation_id: str) -> bool:
        """Whether the request has settled and its user has not heard the outcome yet."""
        entry = self.get(correlation_id)
        return entry is not None and entry.state in (DELIVERED, DEAD) and not entry.notified

    def mark_told(self, correlation_id: str) -> None:
        """The user already has this request's outcome (e.g. in the reply that raised it)."""
        with self.db.transaction() as db:
            db.execute("UPDATE outbox SET notified = 1 WHERE correlation_id = ?", (correlation_id,))
