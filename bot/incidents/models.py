"""Known incidents' values: what is declared (``IncidentFields``), the incident as stored, an
affected user, a subscription and a change to tell subscribers of. Plain frozen records (read from
the rows in bot/incidents/tables.py), so the CLI, the console, the matcher and the notifier all see
the same shapes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from bot.identity import serves

Status = Literal["investigating", "identified", "monitoring", "resolved"]
STATUSES: tuple[Status, ...] = ("investigating", "identified", "monitoring", "resolved")
RESOLVED: Status = "resolved"
Source = Literal["agent", "cli", "statuspage", "desk"]  # an agent in the console, the command line, or a feed
SOURCES: tuple[Source, ...] = ("agent", "cli", "statuspage", "desk")
FEEDS: tuple[Source, ...] = ("statuspage", "desk")  # the sources that name incidents by their own ids


@dataclass(frozen=True)
class IncidentFields:
    """What a person or a feed says about an incident: checked by bot/incidents/validation.py
    before it is stored. ``started_at`` None: from the moment it is declared."""

    title: str
    summary: str  # what staff will notice, one or two sentences: the card shows it
    questions: tuple[str, ...]  # how staff would describe it, as articles' questions: matched against
    councils: tuple[str, ...]  # tenant ids of tenants.yml, or (ALL_COUNCILS,)
    services: tuple[str, ...] = ()
    status: Status = "investigating"
    workaround: str | None = None
    next_update_at: float | None = None
    desk_ref: str | None = None  # the desk's major incident or problem reference
    started_at: float | None = None


@dataclass(frozen=True)
class Incident:
    id: str
    title: str
    summary: str
    questions: tuple[str, ...]
    services: tuple[str, ...]
    councils: tuple[str, ...]
    status: Status
    started_at: float
    updated_at: float
    source: Source
    version: int  # 1 when declared, one more with each change
    next_update_at: float | None = None
    workaround: str | None = None
    desk_ref: str | None = None
    source_id: str | None = None  # a feed's own id, unique per source
    resolved_at: float | None = None

    @property
    def is_active(self) -> bool:
        return self.status != RESOLVED

    def concerns(self, council: str | None) -> bool:
        """Whether staff of ``council`` (None: not known) may be affected."""
        return serves(self.councils, council)


@dataclass(frozen=True)
class Affected:
    """A member of staff who said "I'm affected too", counted once per incident."""

    incident_id: str
    user_key: str  # the verified identity's id
    council: str | None
    channel: str
    at: float
    name: str | None = None  # as the verified identity names them, for the master ticket
    email: str | None = None
    noted_at: float | None = None  # when the master ticket's comment that names them was written


@dataclass(frozen=True)
class Subscription:
    """Someone to tell when the incident changes: ``reference`` is what the channel needs to reach
    them (as a handoff's); ``version`` the incident's version when they subscribed."""

    incident_id: str
    user_key: str
    channel: str
    conversation: str
    reference: Mapping[str, Any]
    version: int
    at: float


@dataclass(frozen=True)
class StatusChange:
    """One change subscribers are told of: an update or the resolution, by the version it made."""

    incident_id: str
    version: int
    status: Status
    text: str
    at: float
