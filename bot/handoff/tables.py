"""The handoff tables' rows in one place: read into the values of bot/handoff/models.py, and the
few statements every part of the store shares (read a handoff, lock a row, a conditional update)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from bot import sql
from bot.handoff.errors import UnknownAgent, UnknownHandoff
from bot.handoff.models import OPEN_STATES, Agent, Handoff, Message, OpenTicket
from bot.requester import Requester
from bot.sql import one

OPEN = f"state IN ({', '.join(repr(s) for s in OPEN_STATES)})"  # state IN ('queued', 'assigned')
REQUEUE = "state = 'queued', agent_id = NULL, agent_name = NULL, assigned_at = NULL, queued_at = ?"


def read_handoff(tx: sql.Transaction, handoff_id: str) -> Handoff:
    row = one(tx.execute("SELECT * FROM handoffs WHERE id = ?", (handoff_id,)))
    if row is None:
        raise UnknownHandoff(handoff_id)
    return handoff_from_row(row)


def lock_handoff(tx: sql.Transaction, handoff_id: str) -> Handoff:
    """The handoff, locked until the transaction ends (PostgreSQL: the row. SQLite's immediate
    transaction already holds the whole database)."""
    row = one(tx.execute("UPDATE handoffs SET last_seq = last_seq WHERE id = ? RETURNING *", (handoff_id,)))
    if row is None:
        raise UnknownHandoff(handoff_id)
    return handoff_from_row(row)


def lock_agent(tx: sql.Transaction, agent_id: str) -> Agent:
    """The agent's presence, locked as lock_handoff locks a handoff."""
    row = one(tx.execute("UPDATE handoff_agents SET capacity = capacity WHERE agent_id = ? RETURNING *", (agent_id,)))
    if row is None:
        raise UnknownAgent(agent_id)
    return agent_from_row(row)


def update_handoff(
    tx: sql.Transaction, handoff_id: str, sets: str, params: Sequence[Any], condition: str, where: Sequence[Any]
) -> Handoff | None:
    """One conditional UPDATE: the handoff as changed, or None if ``condition`` no longer held."""
    row = one(
        tx.execute(
            f"UPDATE handoffs SET {sets} WHERE id = ? AND {condition} RETURNING *", (*params, handoff_id, *where)
        )
    )
    return None if row is None else handoff_from_row(row)


def messages_after(tx: sql.Transaction, handoff_id: str, after: int, senders: Sequence[str]) -> list[Message]:
    marks = ", ".join("?" * len(senders))
    rows = tx.execute(
        f"SELECT * FROM handoff_messages WHERE handoff_id = ? AND seq > ? AND sender IN ({marks}) ORDER BY seq",
        (handoff_id, after, *senders),
    ).fetchall()
    return [message_from_row(r) for r in rows]


def handoff_from_row(row: Any) -> Handoff:
    person = json.loads(row["requester"])
    return Handoff(
        id=row["id"],
        conversation=row["conversation"],
        channel=row["channel"],
        requester=Requester(id=person["id"], email=person.get("email"), name=person.get("name"), tenant=row["tenant"]),
        group=row["resolver_group"],
        summary=row["summary"],
        reference=json.loads(row["reference"]),
        state=row["state"],
        created_at=row["created_at"],
        queued_at=row["queued_at"],
        ticket_ref=row["ticket_ref"],
        agent_id=row["agent_id"],
        agent_name=row["agent_name"],
        assigned_at=row["assigned_at"],
        first_assigned_at=row["first_assigned_at"],
        closed_at=row["closed_at"],
        closed_by=row["closed_by"],
        close_reason=row["close_reason"],
        close_note=row["close_note"],
        last_user_at=row["last_user_at"],
        last_agent_at=row["last_agent_at"],
        last_speaker=row["last_speaker"],
        turn_since=row["turn_since"],
        csat=row["csat"],
        last_seq=row["last_seq"],
        delivered_to_user=row["delivered_to_user"],
        acked_by_console=row["acked_by_console"],
        channel_card=row["channel_card"],
        open_tickets=_open_tickets(row["open_tickets"]),
        user_notice=None if row["user_notice"] is None else json.loads(row["user_notice"]),
    )


def _open_tickets(text: str | None) -> tuple[OpenTicket, ...] | None:
    if text is None:
        return None
    return tuple(OpenTicket(t["ref"], t["title"], t["status"]) for t in json.loads(text))


def message_from_row(row: Any) -> Message:
    return Message(**{name: row[name] for name in Message.__dataclass_fields__})  # its fields are the columns


def agent_from_row(row: Any) -> Agent:
    return Agent(
        id=row["agent_id"],
        name=row["name"],
        groups=tuple(json.loads(row["resolver_groups"])),
        councils=tuple(json.loads(row["councils"])),
        state=row["state"],
        capacity=row["capacity"],
        last_seen=row["last_seen"],
    )
