"""Reading what Rasa's SQL event broker wrote (bot/event_broker.py): the one owner of that table's
format. Rows come in id order, which is the order Rasa published them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot import sql


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
