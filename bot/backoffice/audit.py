"""The audit log: one row for every change anyone makes in the back office, and for every sign-in,
sign-out and refused sign-in. Append-only: this module inserts and reads; nothing updates or deletes."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from bot.backoffice.roles import Person
from bot.sql import Database

MAX_DETAIL_CHARS = 8_000  # a detail is a summary of a change, not the change's content


@dataclass(frozen=True)
class AuditEntry:
    at: str
    who: str
    action: str
    target: str
    detail: dict[str, Any]


def record(
    db: Database, who: Person | str, action: str, target: str = "", detail: Mapping[str, Any] | None = None
) -> None:
    """Append one entry: ``who`` did ``action`` (e.g. ``article.publish``) to ``target``; ``detail``
    is JSON. Call it in the same request as the change, before answering."""
    text = json.dumps(dict(detail or {}), sort_keys=True, default=str)
    if len(text) > MAX_DETAIL_CHARS:
        text = json.dumps({"truncated": text[:MAX_DETAIL_CHARS]})
    actor = who.id if isinstance(who, Person) else who
    at = datetime.now(timezone.utc).isoformat(timespec="microseconds")
    with db.transaction() as tx:
        tx.execute(
            "INSERT INTO backoffice_audit (id, at, who, action, target, detail) VALUES (?, ?, ?, ?, ?, ?)",
            (uuid.uuid4().hex, at, actor, action, target, text),
        )


def entries(db: Database, limit: int = 100, action: str | None = None) -> list[AuditEntry]:
    """The latest ``limit`` entries (of ``action`` only, if given), newest first."""
    where, params = ("WHERE action = ?", (action,)) if action else ("", ())
    with db.transaction() as tx:
        rows = tx.execute(
            f"SELECT at, who, action, target, detail FROM backoffice_audit {where} ORDER BY at DESC, id LIMIT ?",
            (*params, limit),
        ).fetchall()
    return [AuditEntry(r["at"], r["who"], r["action"], r["target"], json.loads(r["detail"])) for r in rows]
