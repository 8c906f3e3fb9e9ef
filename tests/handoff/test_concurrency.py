"""Two callers at the same moment (bot/handoff/store.py), on SQLite and a real PostgreSQL: each
thread has its own store on the one database, as two servers would, and they start together at a
barrier. Exactly one of two accepts, two closes or two requests wins; posts never share a seq."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from bot.handoff.errors import AlreadyTaken, AtCapacity, HandoffClosed
from bot.handoff.models import Handoff
from bot.handoff.store import HandoffStore
from tests import races
from tests.handoff.common import MINUTE, SAM, T0, ask, sign_in, taken
from tests.races import one_wins, returned

R = TypeVar("R")

ROUNDS = 5  # each round a fresh race: more chances for the two to overlap


def together(location: str, *calls: Callable[[HandoffStore], R]) -> list[R | Exception]:
    return races.together(lambda: HandoffStore.open(location), *calls)


def accepting(handoff_id: str, agent_id: str) -> Callable[[HandoffStore], Handoff]:
    return lambda store: store.accept(handoff_id, agent_id, now=T0 + MINUTE)


def closing(handoff_id: str, by: str, reason: str) -> Callable[[HandoffStore], Handoff]:
    return lambda store: store.close(handoff_id, by=by, now=T0 + 5 * MINUTE, reason=reason)


def test_of_two_agents_accepting_at_once_exactly_one_wins(location: str) -> None:
    store = HandoffStore.open(location)
    sign_in(store, "alex", name="Alex Morgan")
    sign_in(store, "bea", name="Bea Khan")
    for round in range(ROUNDS):
        handoff = ask(store, f"web-{round}")
        results = together(
            location,
            accepting(handoff.id, "alex"),
            accepting(handoff.id, "bea"),
        )
        winner, loser = one_wins(results)
        assert isinstance(loser, AlreadyTaken) and loser.agent_id == winner.agent_id
        assert f"already taken by {winner.agent_name}" in str(loser)
        assert store.get(handoff.id) == winner
        store.close(handoff.id, by="system", now=T0 + 2 * MINUTE)  # room for the next round


def test_of_two_closes_at_once_exactly_one_wins(location: str) -> None:
    store = HandoffStore.open(location)
    for round in range(ROUNDS):
        handoff = taken(store, "alex", f"web-{round}")
        results = together(
            location,
            closing(handoff.id, "alex", "resolved"),
            closing(handoff.id, "system", "idle_user"),
        )
        winner, loser = one_wins(results)
        assert isinstance(loser, HandoffClosed) and store.get(handoff.id) == winner


def test_one_agent_accepting_two_chats_at_once_keeps_to_their_capacity(location: str) -> None:
    store = HandoffStore.open(location)
    sign_in(store, "alex", capacity=1)
    for round in range(ROUNDS):
        first, second = ask(store, f"a-{round}"), ask(store, f"b-{round}")
        results = together(
            location,
            accepting(first.id, "alex"),
            accepting(second.id, "alex"),
        )
        winner, loser = one_wins(results)
        assert isinstance(loser, AtCapacity) and store.assigned_to("alex") == [winner]
        for handoff in (first, second):
            store.close(handoff.id, by="system", now=T0 + 2 * MINUTE)


def test_two_requests_for_one_conversation_at_once_make_one_handoff(location: str) -> None:
    def request(s: HandoffStore) -> str:
        handoff, _ = s.request(
            conversation="web-1",
            channel="webchat",
            requester=SAM,
            group="service-desk",
            summary="help",
            reference={},
            now=T0,
        )
        return handoff.id

    first, second = returned(together(location, request, request))
    assert first == second and HandoffStore.open(location).open_for("web-1") is not None


def test_messages_posted_at_once_get_every_seq_once(location: str) -> None:
    store = HandoffStore.open(location)
    handoff = taken(store, "alex")

    def user(s: HandoffStore) -> list[int]:
        return [s.post(handoff.id, f"u{i}", "user", f"user {i}", now=T0 + i).seq for i in range(15)]

    def agent(s: HandoffStore) -> list[int]:
        return [s.post(handoff.id, f"a{i}", "agent", f"agent {i}", now=T0 + i, author_id="alex").seq for i in range(15)]

    seqs = returned(together(location, user, agent, user))  # the user's channel retried everything at once
    assert sorted(seqs[0] + seqs[1]) == list(range(1, 31)) and seqs[2] == seqs[0]
    assert [m.seq for m in store.messages(handoff.id)] == list(range(1, 31))
