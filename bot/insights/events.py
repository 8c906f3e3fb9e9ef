"""The table of Rasa's events that the insights loader reads (bot/event_broker.py): the one owner of
its format here. Rasa's SQL event broker writes it; with RabbitMQ, the relay does
(bot/insights/relay.py). Rows come in id order, which is the order Rasa published them."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from bot import sql

# Rasa's own table (SQLBrokerEvent in rasa/core/brokers/sql.py), for a database that only the relay
# writes to; and the relay's record of each message it moved, so a message RabbitMQ delivers again
# (the relay stopped after writing it and before acknowledging it) is not written twice.
EVENTS_TABLE = "CREATE TABLE IF NOT EXISTS events (id {key}, sender_id VARCHAR(255), data TEXT)"
KEYS = {"sqlite": "INTEGER NOT NULL PRIMARY KEY", "postgresql": "SERIAL PRIMARY KEY"}
RELAYED_TABLE = "CREATE TABLE IF NOT EXISTS relayed_events (digest TEXT PRIMARY KEY, at DOUBLE PRECISION NOT NULL)"
FORGET_CHUNK = 5_000
FIRST_LOOK = 64  # most loads find no event old enough: they read this few, not a whole chunk


@dataclass(frozen=True)
class BrokerEvent:
    id: int
    sender_id: str
    data: dict[str, Any]  # the event as Rasa serialises it: {"event": "user", "timestamp": ..., ...}

    @property
    def kind(self) -> str:
        return str(self.data.get("event") or "")

    @property
    def at(self) -> float:
        stamp = self.data.get("timestamp")
        return float(stamp) if isinstance(stamp, int | float) else 0.0


def location(url: str) -> str:
    """A SQLAlchemy URL (EVENTS_DB_URL) as bot/sql.py opens it: a file path or a postgresql:// URL."""
    if url.startswith("sqlite:///"):
        return url.removeprefix("sqlite:///")
    scheme, _, rest = url.partition("://")
    if scheme.split("+")[0] in ("postgresql", "postgres"):
        return f"postgresql://{rest}"
    raise ValueError(f"EVENTS_DB_URL: {scheme}:// is not a database AskIT reads (sqlite or postgresql)")


def read_events(db: sql.Database, after: int, limit: int) -> list[BrokerEvent]:
    """Up to ``limit`` events with an id above ``after``; a row that is not a JSON object comes as an
    "unreadable" event, which nothing counts but which moves the loader past it."""
    with db.transaction() as tx:
        rows = tx.execute(
            "SELECT id, sender_id, data FROM events WHERE id > ? ORDER BY id LIMIT ?", (after, limit)
        ).fetchall()
    found = []
    for row in rows:
        try:
            data = json.loads(row["data"])
        except (TypeError, ValueError):
            data = None
        readable = data if isinstance(data, dict) else {"event": "unreadable"}
        found.append(BrokerEvent(int(row["id"]), str(row["sender_id"] or ""), readable))
    return found


def prepare_for_relay(db: sql.Database) -> None:
    dialect = "postgresql" if isinstance(db, sql.PostgresDatabase) else "sqlite"
    db.create(f"{EVENTS_TABLE.format(key=KEYS[dialect])};\n{RELAYED_TABLE}")


def append_relayed(tx: sql.Transaction, bodies: list[bytes], now: float) -> int:
    """Add the events published as ``bodies`` (Rasa's JSON, one event each) in this order, except
    those already moved; returns how many were new."""
    added = 0
    for body in bodies:
        digest = hashlib.sha256(body).hexdigest()
        if tx.execute("SELECT 1 FROM relayed_events WHERE digest = ?", (digest,)).fetchone():
            continue
        tx.execute("INSERT INTO relayed_events (digest, at) VALUES (?, ?)", (digest, now))
        text = body.decode("utf-8", errors="replace")
        try:
            sender = json.loads(text).get("sender_id")
        except (ValueError, AttributeError):  # not JSON, or not an object: read as "unreadable"
            sender = None
        tx.execute("INSERT INTO events (sender_id, data) VALUES (?, ?)", (str(sender or "")[:255], text))
        added += 1
    return added


def forget_events(db: sql.Database, before: float, loaded: int) -> int:
    """Delete the run of events, from the oldest, that happened before ``before`` and that the loader
    has read (id <= ``loaded``), with the relay's record of messages moved before then; returns how
    many events went. The run ends at the first younger event, so an event that arrived late is kept
    rather than its younger neighbours lost. The newest row always stays: SQLite gives a new row the
    highest id plus one, and an id the loader has passed would never be read."""
    prepare_for_relay(db)  # the relay's record may not exist yet
    with db.transaction() as tx:
        newest = int(tx.execute("SELECT COALESCE(MAX(id), 0) AS id FROM events").fetchone()["id"])
    last, cut, gone, size = min(loaded, newest - 1), 0, 0, FIRST_LOOK
    while True:
        chunk = read_events(db, cut, size)
        size = min(size * 2, FORGET_CHUNK)
        old = 0
        while old < len(chunk) and chunk[old].id <= last and chunk[old].at < before:
            old += 1
        if old:
            cut, gone = chunk[old - 1].id, gone + old
        if old < len(chunk) or not chunk:
            break
    with db.transaction(immediate=True) as tx:
        tx.execute("DELETE FROM events WHERE id <= ?", (cut,))
        tx.execute("DELETE FROM relayed_events WHERE at < ?", (before,))
    return gone
