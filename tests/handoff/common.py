"""What the handoff tests share: a fixed clock, two members of staff, and short ways to ask for a
person and to sign an agent in, so each test says only what it is about."""

from __future__ import annotations

from collections.abc import Sequence

from bot.handoff.models import Agent, Handoff, Presence, Timeouts
from bot.handoff.store import HandoffStore
from bot.identity import ALL_COUNCILS
from bot.requester import Requester

T0 = 1_790_000_000.0  # Monday 21 September 2026, 14:13 UTC: every test's "now" counts from here
MINUTE = 60.0
SAM = Requester(id="aad-sam", email="sam.patel@northbrook.example", name="Sam Patel", tenant="northbrook")
RIA = Requester(id="aad-ria", email="ria.jones@riverside.example", name="Ria Jones", tenant="riverside")
TIMEOUTS = Timeouts(queue=10 * MINUTE, agent_response=3 * MINUTE, idle_user=10 * MINUTE, idle_agent=15 * MINUTE)


def ask(
    store: HandoffStore,
    conversation: str = "web-1",
    *,
    now: float = T0,
    group: str = "service-desk",
    requester: Requester = SAM,
    summary: str = "My laptop will not start",
) -> Handoff:
    """A new handoff queued for ``conversation``."""
    handoff, new = store.request(
        conversation=conversation,
        channel="webchat",
        requester=requester,
        group=group,
        summary=summary,
        reference={"sid": f"socket-{conversation}"},
        now=now,
    )
    assert new
    return handoff


def sign_in(
    store: HandoffStore,
    agent_id: str = "alex",
    *,
    name: str = "",
    groups: Sequence[str] = ("service-desk",),
    councils: Sequence[str] = (ALL_COUNCILS,),
    capacity: int = 3,
    state: Presence = "available",
    now: float = T0,
) -> Agent:
    return store.set_presence(
        agent_id,
        name=name or agent_id.title(),
        groups=groups,
        councils=councils,
        state=state,
        capacity=capacity,
        now=now,
    )


def taken(store: HandoffStore, agent_id: str = "alex", conversation: str = "web-1", now: float = T0) -> Handoff:
    """A handoff queued for ``conversation`` and accepted by ``agent_id`` (signed in for it)."""
    handoff = ask(store, conversation, now=now)
    sign_in(store, agent_id, now=now)
    return store.accept(handoff.id, agent_id, now=now + MINUTE)
