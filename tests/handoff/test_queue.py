"""Who can take a chat and what is waiting (bot/handoff/queue.py), on SQLite and a real PostgreSQL:
presence and spare capacity, a chat's place in its group's queue, the wait to expect from recent
chats, and the queue an agent sees (only their councils')."""

from __future__ import annotations

import pytest

from bot.handoff.errors import UnknownAgent
from bot.handoff.queue import SEEN_WITHIN, WAIT_SAMPLE
from bot.handoff.store import HandoffStore
from tests.handoff.common import MINUTE, RIA, T0, ask, sign_in

DAY = 24 * 3600.0


def test_presence_is_recorded_and_said_again(store: HandoffStore) -> None:
    first = sign_in(store, "alex", name="Alex Morgan", groups=("service-desk", "network", "network"))
    assert (first.name, first.groups, first.councils, first.state, first.capacity) == (
        "Alex Morgan",
        ("network", "service-desk"),
        ("all",),
        "available",
        3,
    )
    away = sign_in(store, "alex", name="Alex Morgan", state="away", capacity=2, now=T0 + MINUTE)
    assert (away.state, away.capacity, away.last_seen) == ("away", 2, T0 + MINUTE) and store.agent("alex") == away
    store.seen("alex", now=T0 + 2 * MINUTE)
    store.seen("alex", now=T0)  # a late heartbeat does not move it back
    assert store.agent("alex").last_seen == T0 + 2 * MINUTE
    with pytest.raises(UnknownAgent):
        store.agent("nobody")
    with pytest.raises(ValueError):
        sign_in(store, "alex", state="asleep")  # type: ignore[arg-type]


def test_available_agents_are_in_the_group_serve_the_council_have_room_and_are_there(store: HandoffStore) -> None:
    sign_in(store, "alex")
    sign_in(store, "bea", councils=("riverside",))
    sign_in(store, "cal", groups=("network",))
    sign_in(store, "dee", state="away")
    sign_in(store, "eve", state="busy")
    sign_in(store, "fay", now=T0 - SEEN_WITHIN - 1)  # closed the laptop without signing out
    sign_in(store, "gus", capacity=1)
    now = T0 + MINUTE

    def names(group: str, tenant: str | None) -> list[str]:
        return [a.id for a in store.available_for(group, tenant, now=now)]

    assert names("service-desk", "northbrook") == ["alex", "gus"]
    assert names("service-desk", "riverside") == ["alex", "bea", "gus"]
    assert names("service-desk", None) == ["alex", "gus"]  # no known council: only those who take all
    assert names("network", "northbrook") == ["cal"] and names("applications", "northbrook") == []
    store.accept(ask(store, "web-1").id, "gus", now=now)  # gus is full, alex is now the least busy
    store.accept(ask(store, "web-2", requester=RIA).id, "alex", now=now)
    assert names("service-desk", "riverside") == ["bea", "alex"]


def test_a_chat_s_place_is_among_the_queued_of_its_group_by_when_it_was_asked(store: HandoffStore) -> None:
    first = ask(store, "web-1", now=T0)
    other_group = ask(store, "web-2", now=T0 + 1, group="identity-access")
    second, third = ask(store, "web-3", now=T0 + 2), ask(store, "web-4", now=T0 + 3)
    assert [store.position(h.id) for h in (first, other_group, second, third)] == [1, 1, 2, 3]
    sign_in(store, "alex")
    store.accept(first.id, "alex", now=T0 + 4)
    assert [store.position(h.id) for h in (first, second, third)] == [None, 1, 2]
    store.cancel(second.id, now=T0 + 5)
    assert store.position(third.id) == 1


def test_the_queue_lists_the_waiting_oldest_first_and_only_the_agent_s_councils(store: HandoffStore) -> None:
    sam = ask(store, "web-1", now=T0)
    ria = ask(store, "web-2", now=T0 + MINUTE, requester=RIA)
    access = ask(store, "web-3", now=T0 + 2 * MINUTE, group="identity-access")
    now = T0 + 5 * MINUTE
    everything = store.queue(["service-desk", "identity-access"], now=now)
    assert [(w.handoff.id, w.position, w.waited) for w in everything] == [
        (sam.id, 1, 5 * MINUTE),
        (ria.id, 2, 4 * MINUTE),
        (access.id, 1, 3 * MINUTE),
    ]
    riverside = store.queue("service-desk", now=now, councils=["riverside"])
    assert [(w.handoff.id, w.position) for w in riverside] == [(ria.id, 2)]  # its place in the whole queue
    assert store.queue([], now=now) == []


def test_the_wait_to_expect_is_the_median_of_the_group_s_recent_first_accepts(store: HandoffStore) -> None:
    assert store.estimated_wait("service-desk", now=T0) is None  # no history: say nothing rather than guess
    sign_in(store, "alex", capacity=100)
    sign_in(store, "bea", groups=("identity-access",), capacity=100)

    def waited(
        conversation: str, asked: float, seconds: float, agent: str = "alex", group: str = "service-desk"
    ) -> None:
        handoff = ask(store, conversation, now=asked, group=group)
        store.accept(handoff.id, agent, now=asked + seconds)

    waited("old", T0 - 8 * DAY, 3600)  # more than a week ago: not counted
    waited("other-group", T0 - DAY, 1800, agent="bea", group="identity-access")
    for i, seconds in enumerate([60, 120, 600]):
        waited(f"recent-{i}", T0 - DAY + i * MINUTE, seconds)
    assert store.estimated_wait("service-desk", now=T0) == 120
    assert store.estimated_wait("identity-access", now=T0) == 1800
    # released and accepted again: the wait is until it was first taken
    held = store.open_for("recent-2")
    assert held is not None
    store.release(held.id, "alex", now=T0 - MINUTE)
    store.accept(held.id, "alex", now=T0)
    assert store.estimated_wait("service-desk", now=T0) == 120


def test_the_wait_to_expect_follows_only_the_latest_chats(store: HandoffStore) -> None:
    sign_in(store, "alex", capacity=100)
    for i in range(WAIT_SAMPLE):
        handoff = ask(store, f"slow-{i}", now=T0 - 2 * DAY + i)
        store.accept(handoff.id, "alex", now=T0 - 2 * DAY + i + 900)
    for i in range(WAIT_SAMPLE // 2 + 1):
        handoff = ask(store, f"fast-{i}", now=T0 - DAY + i)
        store.accept(handoff.id, "alex", now=T0 - DAY + i + 30)
    assert store.estimated_wait("service-desk", now=T0) == 30  # most of the latest were quick
