"""Whether a member of staff who asks for a person gets a live chat now: the desk open for their
council, an agent of the right group available with room, and a verified identity; then the
request queued. Plain and typed: the action (actions/handoff.py) only reads the tracker and says
what this returns."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from bot.handoff.hours import is_open, next_opening
from bot.handoff.models import Handoff
from bot.handoff.settings import HandoffSettings
from bot.handoff.store import HandoffStore
from bot.requester import Requester

LIVE_CHANNELS = frozenset({"webchat", "teams"})  # channels whose users the broker can reach
Unavailable = Literal["closed", "busy", "unverified", "channel"]


@dataclass(frozen=True)
class Queued:
    """A person was asked for: ``position`` in the group's queue, ``wait_seconds`` when known."""

    handoff: Handoff
    position: int
    wait_seconds: float | None


@dataclass(frozen=True)
class NoPerson:
    """No live chat now: ``why``; ``opens`` when the desk next opens (for ``closed``)."""

    why: Unavailable
    opens: dt.datetime | None = None


@dataclass(frozen=True)
class Request:
    conversation: str
    channel: str
    requester: Requester
    verified: bool  # the channel vouched for the identity: only such users are queued
    summary: str
    reference: Mapping[str, Any]
    routed_group: str | None = None  # where triage would send the question, if a live-chat group


def choose_group(settings: HandoffSettings, tenant: str | None, routed: str | None) -> str | None:
    """The triage's group when it takes live chats for ``tenant``, else the first that does."""
    groups = settings.groups_for(tenant)
    if routed is not None and any(g.id == routed for g in groups):
        return routed
    return groups[0].id if groups else None


def offer(settings: HandoffSettings, store: HandoffStore, request: Request, *, now: float) -> Queued | NoPerson:
    """Queue ``request`` when a person can take it now, else say why not (and when the desk opens)."""
    if request.channel not in LIVE_CHANNELS:
        return NoPerson("channel")
    if not request.verified:
        return NoPerson("unverified")
    tenant = request.requester.tenant
    hours = settings.hours_for(tenant)
    at = dt.datetime.fromtimestamp(now, dt.timezone.utc)
    if not is_open(hours, at):
        return NoPerson("closed", next_opening(hours, at))
    group = choose_group(settings, tenant, request.routed_group)
    if group is None or not store.available_for(group, tenant, now=now):
        return NoPerson("busy")
    handoff, _ = store.request(
        conversation=request.conversation,
        channel=request.channel,
        requester=request.requester,
        group=group,
        summary=request.summary,
        reference=request.reference,
        now=now,
    )
    return Queued(handoff, store.position(handoff.id) or 1, store.estimated_wait(group, now=now))
