"""The handoff store's values: a handoff, its messages, an agent's presence, a queued chat, the
timeouts and what a sweep did. Plain frozen records (read from the rows in bot/handoff/tables.py),
so the broker, the console and the Teams card all see the same shapes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from bot.requester import Requester

State = Literal["queued", "assigned", "closed", "cancelled", "timed_out", "failed"]
OPEN_STATES: tuple[State, ...] = ("queued", "assigned")
Sender = Literal["user", "agent", "system", "note"]  # a note is private to the agents
SENDERS: tuple[Sender, ...] = ("user", "agent", "system", "note")
Presence = Literal["available", "busy", "away"]
PRESENCES: tuple[Presence, ...] = ("available", "busy", "away")
Reader = Literal["user", "console"]
# What each reader is sent: the user sees the agents' and the system's words, the console everything.
READS: dict[Reader, tuple[Sender, ...]] = {"user": ("agent", "system"), "console": SENDERS}


@dataclass(frozen=True)
class OpenTicket:
    """One of the requester's open tickets, as the desk listed it when they asked for a person."""

    ref: str
    title: str
    status: str


@dataclass(frozen=True)
class Handoff:
    """One request for a person, from the question to its close. ``reference`` is what the channel
    needs to reach the user later (e.g. Teams' service URL and conversation id); ``last_seq`` the
    latest message's; ``delivered_to_user`` / ``acked_by_console`` how far each reader has got."""

    id: str
    conversation: str  # the Rasa sender id
    channel: str
    requester: Requester  # verified identity only; its tenant is the handoff's council
    group: str
    summary: str
    reference: Mapping[str, Any]
    state: State
    created_at: float
    queued_at: float  # when it last entered the queue (its place is still by created_at)
    ticket_ref: str | None = None
    agent_id: str | None = None
    agent_name: str | None = None
    assigned_at: float | None = None
    first_assigned_at: float | None = None
    closed_at: float | None = None
    closed_by: str | None = None
    close_reason: str | None = None
    close_note: str | None = None
    last_user_at: float | None = None  # the user's last message or typing
    last_agent_at: float | None = None  # the agent's
    last_speaker: Literal["user", "agent"] = "user"  # who sent the last message (the question is the user's)
    turn_since: float = 0.0  # when last_speaker last changed: the other's turn began
    csat: int | None = None
    last_seq: int = 0
    delivered_to_user: int = 0
    acked_by_console: int = 0
    channel_card: str | None = None  # the Teams agents' channel card's activity id, once posted
    open_tickets: tuple[OpenTicket, ...] | None = None  # the requester's, when they asked; None: not known
    user_notice: Mapping[str, Any] | None = None  # the reply that ended it, until the user's channel took it

    @property
    def tenant(self) -> str | None:
        return self.requester.tenant

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


@dataclass(frozen=True)
class Message:
    handoff_id: str
    seq: int  # 1, 2, 3 ... per handoff, in the order stored
    message_id: str  # the caller's idempotency key, unique per handoff
    sender: Sender
    text: str
    at: float
    author_id: str | None = None
    author_name: str | None = None


@dataclass(frozen=True)
class Agent:
    """An agent's presence. ``groups``: the resolver groups whose chats they take; ``councils``: the
    councils' ids, or ALL_COUNCILS."""

    id: str
    name: str
    groups: tuple[str, ...]
    councils: tuple[str, ...]
    state: Presence
    capacity: int
    last_seen: float


@dataclass(frozen=True)
class Waiting:
    """A queued handoff as a queue shows it: place in its group's queue, seconds since it was asked."""

    handoff: Handoff
    position: int
    waited: float


@dataclass(frozen=True)
class Timeouts:
    """Seconds (handoff.yml gives minutes). ``queue``: nobody accepts; ``agent_response``: the agent
    who holds it has sent nothing; ``idle_user`` / ``idle_agent``: the one who owes a reply is silent."""

    queue: float
    agent_response: float
    idle_user: float
    idle_agent: float


@dataclass(frozen=True)
class QueueTimedOut:
    """Nobody accepted in time: the handoff is timed_out; the user is offered a ticket."""

    handoff: Handoff


@dataclass(frozen=True)
class ReturnedToQueue:
    """The agent who held it sent nothing in time: it is queued again, in its old place."""

    handoff: Handoff
    agent_id: str
    agent_name: str


@dataclass(frozen=True)
class ClosedIdle:
    """``who`` owed a reply and was silent too long: the handoff is closed."""

    handoff: Handoff
    who: Literal["user", "agent"]


SweepEvent = QueueTimedOut | ReturnedToQueue | ClosedIdle
