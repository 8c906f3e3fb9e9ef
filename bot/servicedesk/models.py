"""The plain data that crosses between the bot and a service desk."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.priority import PRIORITIES
from bot.requester import Requester

__all__ = ["PRIORITIES", "DeskReply", "Requester", "TicketRef", "TicketRequest", "TicketStatus"]

MAX_SUMMARY_CHARS = 160


@dataclass(frozen=True)
class TicketRequest:
    summary: str
    description: str
    requester: Requester
    category: str
    priority: str
    resolver_group: str
    correlation_id: str  # the same request always carries the same id: delivery is idempotent

    def __post_init__(self) -> None:
        if not self.summary.strip():
            raise ValueError("a ticket needs a summary")
        if len(self.summary) > MAX_SUMMARY_CHARS:
            raise ValueError(f"summary longer than {MAX_SUMMARY_CHARS} characters")
        if self.priority not in PRIORITIES:
            raise ValueError(f"priority must be one of {PRIORITIES}, got {self.priority!r}")
        if not self.correlation_id:
            raise ValueError("a ticket needs a correlation id")


@dataclass(frozen=True)
class TicketRef:
    """The desk's own reference for a created ticket, and where a person can see it."""

    ref: str
    url: str | None = None


CLOSED_STATES = frozenset({"resolved", "closed", "solved", "cancelled", "canceled", "rejected", "done"})


@dataclass(frozen=True)
class TicketStatus:
    ref: str
    summary: str
    status: str  # the desk's own word for it, lower case
    requester_id: str  # whatever identifies the requester in the desk: our id, or their e-mail
    updated_at: dt.datetime
    url: str | None = None
    group: str | None = None  # the team the desk has it with now, as the desk names it, where it says

    @property
    def is_open(self) -> bool:
        return self.status.lower() not in CLOSED_STATES

    def belongs_to(self, requester: Requester) -> bool:
        """Whether this is the requester's own ticket (by our id or by e-mail, ignoring case)."""
        mine = {requester.id.lower(), (requester.email or "").lower()} - {""}
        return self.requester_id.lower() in mine


@dataclass(frozen=True)
class DeskReply:
    """The newest comment the desk made public on a ticket: what the requester would read in the
    desk's own portal (never an internal note, never the requester's own words)."""

    text: str
    at: dt.datetime | None = None
