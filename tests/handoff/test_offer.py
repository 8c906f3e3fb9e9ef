"""Asking for a person: queued only when the council's desk is open, an agent of the group is free
with room, the identity verified and the channel one the broker reaches; otherwise why not."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.handoff.offer import NoPerson, Queued, Request, choose_group, offer
from bot.handoff.settings import HandoffSettings
from bot.handoff.store import HandoffStore
from tests.handoff.common import MINUTE, RIA, SAM, T0, sign_in

SETTINGS = HandoffSettings.load()  # knowledge_base/handoff.yml: Mon-Fri 08:30-17:00 London
MONDAY_AFTERNOON = T0  # Monday 21 September 2026, 15:13 in London
SATURDAY_NIGHT = dt.datetime(2026, 9, 26, 22, 0, tzinfo=dt.timezone.utc).timestamp()


@pytest.fixture
def store(tmp_path: Path) -> HandoffStore:
    return HandoffStore.open(tmp_path / "backoffice.sqlite")


def request(conversation: str = "webchat-sam", **overrides: object) -> Request:
    values: dict[str, object] = {
        "conversation": conversation,
        "channel": "webchat",
        "requester": SAM,
        "verified": True,
        "summary": "My laptop will not start",
        "reference": {"channel": "webchat", "conversation": conversation},
    }
    values.update(overrides)
    return Request(**values)  # type: ignore[arg-type]


def test_queued_with_a_place_when_an_agent_is_free(store: HandoffStore) -> None:
    sign_in(store, "alex", now=MONDAY_AFTERNOON)
    first = offer(SETTINGS, store, request(), now=MONDAY_AFTERNOON)
    second = offer(SETTINGS, store, request("webchat-ria", requester=RIA), now=MONDAY_AFTERNOON + 1)
    assert isinstance(first, Queued) and isinstance(second, Queued)
    assert (first.position, second.position) == (1, 2)
    assert first.wait_seconds is None  # no history yet: no wait sentence
    assert first.handoff.group == "service-desk" and first.handoff.requester == SAM
    assert store.open_for("webchat-sam") == first.handoff


def test_asking_again_keeps_the_one_request(store: HandoffStore) -> None:
    sign_in(store, "alex", now=MONDAY_AFTERNOON)
    first = offer(SETTINGS, store, request(), now=MONDAY_AFTERNOON)
    again = offer(SETTINGS, store, request(), now=MONDAY_AFTERNOON + MINUTE)
    assert isinstance(first, Queued) and isinstance(again, Queued)
    assert again.handoff.id == first.handoff.id and again.position == 1


def test_out_of_hours_says_when_it_opens_and_queues_nothing(store: HandoffStore) -> None:
    sign_in(store, "alex", now=SATURDAY_NIGHT)
    result = offer(SETTINGS, store, request(), now=SATURDAY_NIGHT)
    assert isinstance(result, NoPerson) and result.why == "closed"
    assert result.opens is not None and result.opens.isoformat() == "2026-09-28T08:30:00+01:00"
    assert store.open_for("webchat-sam") is None


@pytest.mark.parametrize(
    "agent_groups,agent_state,agent_councils",
    [
        (None, "available", ("all",)),  # nobody signed in
        (("identity-access",), "available", ("all",)),  # another group
        (("service-desk",), "away", ("all",)),
        (("service-desk",), "available", ("riverside",)),  # another council (Sam is Northbrook's)
    ],
)
def test_no_free_agent_of_the_group_means_no_queue(
    store: HandoffStore, agent_groups: tuple[str, ...] | None, agent_state: str, agent_councils: tuple[str, ...]
) -> None:
    if agent_groups is not None:
        sign_in(store, "alex", groups=agent_groups, state=agent_state, councils=agent_councils, now=MONDAY_AFTERNOON)  # type: ignore[arg-type]
    assert offer(SETTINGS, store, request(), now=MONDAY_AFTERNOON) == NoPerson("busy")
    assert store.open_for("webchat-sam") is None


def test_an_agent_at_capacity_is_not_free(store: HandoffStore) -> None:
    sign_in(store, "alex", capacity=1, now=MONDAY_AFTERNOON)
    taken = offer(SETTINGS, store, request("webchat-other"), now=MONDAY_AFTERNOON)
    assert isinstance(taken, Queued)
    store.accept(taken.handoff.id, "alex", now=MONDAY_AFTERNOON + 1)
    assert offer(SETTINGS, store, request(), now=MONDAY_AFTERNOON + 2) == NoPerson("busy")


@pytest.mark.parametrize("overrides,why", [({"verified": False}, "unverified"), ({"channel": "rest"}, "channel")])
def test_unverified_or_unreachable_users_get_the_ticket_offer(
    store: HandoffStore, overrides: dict[str, object], why: str
) -> None:
    sign_in(store, "alex", now=MONDAY_AFTERNOON)
    assert offer(SETTINGS, store, request(**overrides), now=MONDAY_AFTERNOON) == NoPerson(why)  # type: ignore[arg-type]
    assert store.open_for("webchat-sam") is None


@pytest.mark.parametrize(
    "tenant,routed,group",
    [
        ("northbrook", "identity-access", "identity-access"),  # triage's group takes live chats
        ("northbrook", "networks", "service-desk"),  # it does not: the first that does
        ("northbrook", None, "service-desk"),
        ("riverside", "riverside-applications", "riverside-applications"),
        ("northbrook", "riverside-applications", "service-desk"),  # not Northbrook's
    ],
)
def test_the_group(tenant: str, routed: str | None, group: str) -> None:
    assert choose_group(SETTINGS, tenant, routed) == group
