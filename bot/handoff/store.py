"""Everything durable about live chats, in AskIT's SQL database (bot/sql.py: SQLite by default,
PostgreSQL when configured): handoffs and their states, their messages, how far each reader has
got, and (bot/handoff/queue.py) the agents' presence. Every state change is one transaction, and each transition is a
conditional UPDATE, so of two callers at the same moment (two agents accepting, two closes, two
servers sweeping) exactly one wins and the other is told why (bot/handoff/errors.py).

The time is always passed in (``now``, seconds since the epoch): the store never reads a clock.

Redaction: a user's words are stored with typed secrets taken out (bot/redaction.py), as the
tracker store keeps them: the agent sees what the user said, but a password typed in a chat is
never written down nor shown to anyone. An agent's words are stored as written, because they must
reach the user (a temporary password, say); ``transcript`` redacts every line before a ticket gets it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

from bot import sql
from bot.handoff.errors import AgentNotEligible, AlreadyTaken, AtCapacity, HandoffClosed, NotAssigned, UnknownHandoff
from bot.handoff.models import READS, SENDERS, Agent, Handoff, Message, OpenTicket, Reader, Sender
from bot.handoff.queue import PresenceAndQueue
from bot.handoff.tables import (
    OPEN,
    REQUEUE,
    handoff_from_row,
    lock_agent,
    lock_handoff,
    message_from_row,
    messages_after,
    read_handoff,
    update_handoff,
)
from bot.handoff.timeouts import Sweeper
from bot.identity import serves
from bot.redaction import redact_typed_secrets
from bot.requester import Requester
from bot.sql import one

MIGRATIONS = Path(__file__).with_name("migrations")
CURSORS: dict[Reader, str] = {"user": "delivered_to_user", "console": "acked_by_console"}
ACTIVITY = {"user": "last_user_at", "agent": "last_agent_at"}


class HandoffStore(PresenceAndQueue, Sweeper):
    """The one way in: the broker, the console and the Teams card all change handoffs through it.
    Presence and the queue are in bot/handoff/queue.py, the timeouts in bot/handoff/timeouts.py."""

    def __init__(self, db: sql.Database) -> None:
        self.db = db
        sql.migrate(db, MIGRATIONS)

    @classmethod
    def open(cls, location: str | Path) -> HandoffStore:
        """A SQLite path or a ``postgresql://`` URL; its tables are created or brought up to date."""
        return cls(sql.open_database(location))

    # -- reading ---------------------------------------------------------------------------------

    def get(self, handoff_id: str) -> Handoff:
        with self.db.transaction() as tx:
            return read_handoff(tx, handoff_id)

    def open_for(self, conversation: str) -> Handoff | None:
        """The conversation's open (queued or assigned) handoff: while there is one, its messages go
        to the agent, not to the bot."""
        with self.db.transaction() as tx:
            row = one(tx.execute(f"SELECT * FROM handoffs WHERE conversation = ? AND {OPEN}", (conversation,)))
        return None if row is None else handoff_from_row(row)

    def assigned_to(self, agent_id: str) -> list[Handoff]:
        with self.db.transaction() as tx:
            rows = tx.execute(
                "SELECT * FROM handoffs WHERE agent_id = ? AND state = 'assigned' ORDER BY assigned_at, id", (agent_id,)
            ).fetchall()
        return [handoff_from_row(r) for r in rows]

    # -- transitions -----------------------------------------------------------------------------

    def request(
        self,
        *,
        conversation: str,
        channel: str,
        requester: Requester,
        group: str,
        summary: str,
        reference: Mapping[str, Any],
        now: float,
        ticket_ref: str | None = None,
    ) -> tuple[Handoff, bool]:
        """Queue a request for a person: (the handoff, True), or (the conversation's open one, False).
        ``requester`` is the identity the channel verified (its tenant is the handoff's council);
        ``reference`` what the channel needs to reach the user later."""
        person = json.dumps({"id": requester.id, "name": requester.name, "email": requester.email})
        summary, reference_text = redact_typed_secrets(summary), json.dumps(reference)
        values = (uuid.uuid4().hex, conversation, channel, requester.tenant, person, group, summary, ticket_ref)
        values_at = (reference_text, now, now, now)
        with self.db.transaction(immediate=True) as tx:
            for _ in range(2):  # the open one may close between the conflict and the look-up
                row = one(
                    tx.execute(
                        "INSERT INTO handoffs (id, conversation, channel, tenant, requester, resolver_group, summary,"
                        " ticket_ref, reference, state, created_at, queued_at, last_speaker, turn_since) VALUES"
                        " (?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?, 'user', ?) ON CONFLICT DO NOTHING RETURNING *",
                        (*values, *values_at),
                    )
                )
                if row is not None:
                    return handoff_from_row(row), True
                row = one(tx.execute(f"SELECT * FROM handoffs WHERE conversation = ? AND {OPEN}", (conversation,)))
                if row is not None:
                    return handoff_from_row(row), False
        raise sql.DatabaseError(f"{self.db.name}: cannot queue a handoff for {conversation}")

    def accept(self, handoff_id: str, agent_id: str, *, now: float) -> Handoff:
        """The agent takes a queued handoff. Exactly one of several agents wins; the others get
        AlreadyTaken naming the winner. Accepting one's own chat again returns it unchanged."""
        with self.db.transaction(immediate=True) as tx:
            agent = lock_agent(tx, agent_id)  # one accept at a time per agent: the capacity holds
            current = read_handoff(tx, handoff_id)
            if current.agent_id == agent_id and current.state == "assigned":
                return current
            if not current.is_open:
                raise HandoffClosed(current)
            if current.state == "assigned":
                raise AlreadyTaken(current)
            _check_can_take(tx, agent, current, current.group)
            changed = update_handoff(
                tx,
                handoff_id,
                "state = 'assigned', agent_id = ?, agent_name = ?, assigned_at = ?,"
                " first_assigned_at = COALESCE(first_assigned_at, ?)",
                (agent.id, agent.name, now, now),
                "state = 'queued' AND resolver_group = ?",
                (current.group,),
            )
            if changed is None:  # another agent's accept committed after we read
                raise _refusal(read_handoff(tx, handoff_id), agent_id)
            return changed

    def release(self, handoff_id: str, agent_id: str, *, now: float) -> Handoff:
        """The agent gives the chat back: queued again, in its old place (by when it was asked)."""
        with self.db.transaction(immediate=True) as tx:
            changed = update_handoff(
                tx, handoff_id, REQUEUE, (now,), "state = 'assigned' AND agent_id = ?", (agent_id,)
            )
            if changed is None:
                raise _refusal(read_handoff(tx, handoff_id), agent_id, holder_needed=True)
            return changed

    def transfer(
        self, handoff_id: str, from_agent: str, *, now: float, to_agent: str | None = None, to_group: str | None = None
    ) -> Handoff:
        """The agent who holds it hands it on: to another agent (who holds it at once, and must reply
        within the agent_response timeout), or to another group's queue (in its old place), or to an
        agent of another group. The caller checks ``to_group`` against the configured groups."""
        if to_agent is None and to_group is None:
            raise ValueError("transfer to an agent, a group, or both")
        if to_agent == from_agent:
            raise ValueError(f"agent {from_agent} already holds handoff {handoff_id}")
        with self.db.transaction(immediate=True) as tx:
            current = read_handoff(tx, handoff_id)
            group = to_group or current.group
            params: tuple[Any, ...]
            if to_agent is None:
                sets, params = REQUEUE, (now,)
            else:
                agent = lock_agent(tx, to_agent)
                if current.state == "assigned" and current.agent_id == from_agent:
                    _check_can_take(tx, agent, current, group)
                sets, params = "agent_id = ?, agent_name = ?, assigned_at = ?", (agent.id, agent.name, now)
            held = "state = 'assigned' AND agent_id = ?"
            changed = update_handoff(
                tx, handoff_id, f"{sets}, resolver_group = ?", (*params, group), held, (from_agent,)
            )
            if changed is None:
                raise _refusal(read_handoff(tx, handoff_id), from_agent, holder_needed=True)
            return changed

    def close(self, handoff_id: str, by: str, *, now: float, reason: str = "", note: str | None = None) -> Handoff:
        """End an open handoff (``by``: an agent id, ``user`` or ``system``); the bot takes the
        conversation back. A second close raises HandoffClosed and changes nothing."""
        return self._end(handoff_id, "closed", by, now, reason, note)

    def cancel(self, handoff_id: str, *, now: float) -> Handoff:
        """The user stops waiting. Only while queued: once an agent holds it, AlreadyTaken (close it)."""
        return self._end(handoff_id, "cancelled", "user", now, "cancelled by the user", None, only_queued=True)

    def fail(self, handoff_id: str, reason: str, *, now: float) -> Handoff:
        """The chat cannot go on (the user's channel cannot be reached): ended as failed."""
        return self._end(handoff_id, "failed", "system", now, reason, None)

    def _end(
        self, handoff_id: str, state: str, by: str, now: float, reason: str, note: str | None, only_queued: bool = False
    ) -> Handoff:
        with self.db.transaction(immediate=True) as tx:
            changed = update_handoff(
                tx,
                handoff_id,
                "state = ?, closed_at = ?, closed_by = ?, close_reason = ?, close_note = ?",
                (state, now, by, reason, note),
                "state = 'queued'" if only_queued else OPEN,
                (),
            )
            if changed is None:
                raise _refusal(read_handoff(tx, handoff_id), None)
            return changed

    def rate(self, handoff_id: str, csat: int) -> Handoff:
        """The user's rating of the chat, 1 (poor) to 5 (good); a later rating replaces it."""
        if not 1 <= csat <= 5:
            raise ValueError(f"a rating is 1 to 5, got {csat}")
        return self._set(handoff_id, "csat = ?", (csat,))

    def link_ticket(self, handoff_id: str, ticket_ref: str) -> Handoff:
        """The ticket the chat's transcript and notes go to (created for it, or the user's own)."""
        return self._set(handoff_id, "ticket_ref = ?", (ticket_ref,))

    def set_reference(self, handoff_id: str, reference: Mapping[str, Any]) -> Handoff:
        """What the channel needs to reach the user (Teams: its service URL and conversation),
        given by the channel when the user is told they are queued."""
        return self._set(handoff_id, "reference = ?", (json.dumps(dict(reference)),))

    def set_open_tickets(self, handoff_id: str, tickets: Sequence[OpenTicket]) -> Handoff:
        """The requester's open tickets as the desk listed them when they asked (for the console)."""
        listed = json.dumps([{"ref": t.ref, "title": t.title, "status": t.status} for t in tickets])
        return self._set(handoff_id, "open_tickets = ?", (listed,))

    def keep_notice(self, handoff_id: str, reply: Mapping[str, Any] | None) -> Handoff:
        """The reply that ended the chat, kept until the user's channel takes it (None: it has)."""
        return self._set(handoff_id, "user_notice = ?", (None if reply is None else json.dumps(dict(reply)),))

    def with_notice(self, conversation: str | None = None) -> list[Handoff]:
        """Ended handoffs whose user has not had the line that ended them (of one conversation)."""
        where, params = ("AND conversation = ?", (conversation,)) if conversation else ("", ())
        with self.db.transaction() as tx:
            rows = tx.execute(
                f"SELECT * FROM handoffs WHERE user_notice IS NOT NULL {where} ORDER BY created_at", params
            ).fetchall()
        return [handoff_from_row(r) for r in rows]

    def set_channel_card(self, handoff_id: str, activity_id: str) -> Handoff:
        return self._set(handoff_id, "channel_card = ?", (activity_id,))

    def _set(self, handoff_id: str, sets: str, params: Sequence[Any]) -> Handoff:
        with self.db.transaction(immediate=True) as tx:
            changed = update_handoff(tx, handoff_id, sets, params, "1 = 1", ())
            if changed is None:
                raise UnknownHandoff(handoff_id)
            return changed

    # -- messages --------------------------------------------------------------------------------

    def post(
        self,
        handoff_id: str,
        message_id: str,
        sender: Sender,
        text: str,
        *,
        now: float,
        author_id: str | None = None,
        author_name: str | None = None,
    ) -> Message:
        """Store a message once: the same ``message_id`` again returns the first's record. A user's
        text is stored redacted (see the module docstring). An ended handoff refuses new messages
        (HandoffClosed), and only the agent who holds a chat speaks in it (NotAssigned)."""
        if sender not in SENDERS:
            raise ValueError(f"a sender is one of {', '.join(SENDERS)}, got {sender!r}")
        with self.db.transaction(immediate=True) as tx:
            current = lock_handoff(tx, handoff_id)  # one post at a time per handoff: seq has no gaps
            same = one(
                tx.execute(
                    "SELECT * FROM handoff_messages WHERE handoff_id = ? AND message_id = ?", (handoff_id, message_id)
                )
            )
            if same is not None:
                return message_from_row(same)
            if not current.is_open:
                raise HandoffClosed(current)
            if sender == "agent" and (current.state != "assigned" or current.agent_id != author_id):
                raise NotAssigned(current, author_id or "(none)")
            seq = current.last_seq + 1
            if sender in ("user", "agent"):  # a note or a system line is nobody's turn
                turn_since = current.turn_since if current.last_speaker == sender else now
                tx.execute(
                    f"UPDATE handoffs SET last_seq = ?, {ACTIVITY[sender]} = ?, last_speaker = ?, turn_since = ?"
                    " WHERE id = ?",
                    (seq, now, sender, turn_since, handoff_id),
                )
            else:
                tx.execute("UPDATE handoffs SET last_seq = ? WHERE id = ?", (seq, handoff_id))
            row = one(
                tx.execute(
                    "INSERT INTO handoff_messages (handoff_id, seq, message_id, sender, author_id, author_name,"
                    " text, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *",
                    (handoff_id, seq, message_id, sender, author_id, author_name, _stored(sender, text), now),
                )
            )
            return message_from_row(row)

    def touch(self, handoff_id: str, who: Literal["user", "agent"], *, now: float) -> None:
        """The user or the holding agent is active without a message (typing): their idle timeout
        counts from now (bot/handoff/timeouts.py). Nothing happens for an ended handoff."""
        column = ACTIVITY[who]
        state = OPEN if who == "user" else "state = 'assigned'"
        with self.db.transaction(immediate=True) as tx:
            tx.execute(f"UPDATE handoffs SET {column} = ? WHERE id = ? AND {state}", (now, handoff_id))

    def messages(self, handoff_id: str, after: int = 0, notes: bool = True) -> list[Message]:
        """The handoff's messages after seq ``after``, in order (without private notes unless ``notes``)."""
        senders = SENDERS if notes else tuple(s for s in SENDERS if s != "note")
        with self.db.transaction() as tx:
            read_handoff(tx, handoff_id)
            return messages_after(tx, handoff_id, after, senders)

    def transcript(self, handoff_id: str, notes: bool = False) -> list[Message]:
        """The chat for its ticket: every message (private notes only if ``notes``), every line redacted."""
        return [replace(m, text=redact_typed_secrets(m.text)) for m in self.messages(handoff_id, notes=notes)]

    def undelivered(self, handoff_id: str, to: Reader = "user") -> list[Message]:
        """What ``to`` has not had yet, in order: after a restart, (re)send these, then mark them
        delivered. The user gets the agents' and the system's messages, the console every one."""
        with self.db.transaction() as tx:
            return messages_after(tx, handoff_id, getattr(read_handoff(tx, handoff_id), CURSORS[to]), READS[to])

    def mark_delivered(self, handoff_id: str, seq: int, to: Reader = "user") -> None:
        """``to`` has had every message up to ``seq``. Idempotent; the cursor never moves back."""
        column = CURSORS[to]
        with self.db.transaction(immediate=True) as tx:
            current = read_handoff(tx, handoff_id)
            if seq > current.last_seq:
                raise ValueError(f"handoff {handoff_id} has no message {seq} (its last is {current.last_seq})")
            tx.execute(f"UPDATE handoffs SET {column} = ? WHERE id = ? AND {column} < ?", (seq, handoff_id, seq))

    def with_undelivered(self, to: Reader = "user", open_only: bool = False) -> list[Handoff]:
        """Every handoff (``open_only``: every open one) with a message ``to`` has not had: what to
        replay at start-up, and what the sweep sends again after a channel failed to."""
        column, marks = CURSORS[to], ", ".join("?" * len(READS[to]))
        still_open = f" AND {OPEN}" if open_only else ""
        with self.db.transaction() as tx:
            rows = tx.execute(
                f"SELECT * FROM handoffs h WHERE h.last_seq > h.{column}{still_open}"
                " AND EXISTS (SELECT 1 FROM handoff_messages m"
                f" WHERE m.handoff_id = h.id AND m.seq > h.{column} AND m.sender IN ({marks})) ORDER BY h.created_at",
                READS[to],
            ).fetchall()
        return [handoff_from_row(r) for r in rows]


def _refusal(current: Handoff, agent_id: str | None, holder_needed: bool = False) -> Exception:
    """Why a transition found the handoff not as it needed: ended, someone else's, or not held."""
    if not current.is_open:
        return HandoffClosed(current)
    if holder_needed and agent_id is not None:
        return NotAssigned(current, agent_id)
    if current.state == "queued":  # moved to another group's queue since it was read
        return AgentNotEligible(agent_id or "", current, f"it is now queued for {current.group}")
    return AlreadyTaken(current)


def _check_can_take(tx: sql.Transaction, agent: Agent, handoff: Handoff, group: str) -> None:
    if group not in agent.groups:
        raise AgentNotEligible(agent.id, handoff, f"not in the group {group}")
    if not serves(agent.councils, handoff.tenant):
        raise AgentNotEligible(agent.id, handoff, f"does not take the chats of {handoff.tenant or 'no known council'}")
    row = one(tx.execute("SELECT COUNT(*) AS n FROM handoffs WHERE agent_id = ? AND state = 'assigned'", (agent.id,)))
    if int(row["n"]) >= agent.capacity:
        raise AtCapacity(agent.id, handoff, agent.capacity)


def _stored(sender: Sender, text: str) -> str:
    return redact_typed_secrets(text) if sender == "user" else text
