"""What the Teams channel remembers between requests: retried activity ids, member look-ups, each
user's conversation and the live card. The contract runs against both stores, in memory and in a real
Redis (tests/redis_server.py); the in-memory store's time and size bounds are checked on a test clock
(the Redis store's own, and two replicas sharing it: test_teams_state_redis.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator

import pytest
import redis  # type: ignore[import-untyped]

from bot.channels.teams_payloads import ConversationRef
from bot.channels.teams_state import (
    MAX_CONVERSATIONS,
    MEMBER_CACHE_SECONDS,
    SEEN_ACTIVITIES,
    SEEN_FOR_SECONDS,
    LiveCard,
    MemoryConversationDirectory,
    MemoryMemberCache,
    MemoryRecentIds,
    TeamsState,
    teams_state,
)
from bot.channels.teams_state_redis import RedisTeamsState
from tests.redis_server import RedisServer


def ref(user_id: str, conversation_id: str = "a:1") -> ConversationRef:
    return ConversationRef(
        service_url="https://smba.trafficmanager.net/emea/",
        conversation_id=conversation_id,
        bot={"id": "28:bot", "name": "AskIT"},
        user_id=user_id,
        base_url="https://askit.example",
    )


def card(activity_id: str) -> LiveCard:
    return LiveCard(activity_id, {"text": f"card {activity_id}", "buttons": [{"title": "Yes", "payload": "/affirm"}]})


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


# ---- the contract, in memory and in Redis ----

Scenario = Callable[[TeamsState], Awaitable[None]]


@pytest.fixture(params=["memory", "redis"])
def env(request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    if request.param == "memory":
        yield {}
        return
    server: RedisServer = request.getfixturevalue("redis_server")
    yield {"REDIS_URL": server.url(1)}
    server_flush(server)


def server_flush(server: RedisServer) -> None:
    redis.Redis(port=server.port, db=1).flushdb()


def play(env: dict[str, str], scenario: Scenario) -> None:
    """Run ``scenario`` on the store ``env`` chooses, made in the loop that uses it."""

    async def main() -> None:
        state = teams_state(env)
        assert isinstance(state, RedisTeamsState) is bool(env)
        try:
            await scenario(state)
        finally:
            await state.close()

    asyncio.run(main())


def test_a_retried_activity_is_new_only_once(env: dict[str, str]) -> None:
    async def scenario(state: TeamsState) -> None:
        assert await state.seen.first_time("conv-a/1") and await state.seen.first_time("conv-b/1")
        assert not await state.seen.first_time("conv-a/1") and not await state.seen.first_time("conv-b/1")

    play(env, scenario)


def test_a_member_is_cached_per_conversation_and_user(env: dict[str, str]) -> None:
    pat = {"id": "29:pat", "email": "pat@northbrook.example", "userPrincipalName": "pat@northbrook.example"}

    async def scenario(state: TeamsState) -> None:
        assert await state.members.get("a:1", "29:pat") is None
        await state.members.put("a:1", "29:pat", pat)
        assert await state.members.get("a:1", "29:pat") == pat
        assert await state.members.get("a:2", "29:pat") is None and await state.members.get("a:1", "29:sam") is None

    play(env, scenario)


def test_the_latest_conversation_of_each_user_is_found(env: dict[str, str]) -> None:
    async def scenario(state: TeamsState) -> None:
        directory = state.conversations
        await directory.remember("29:pat", ref("29:pat", "a:1"))
        await directory.remember("29:sam", ref("29:sam", "a:2"))
        await directory.remember("29:pat", ref("29:pat", "a:3"))  # Pat wrote from another conversation
        assert await directory.get("29:pat") == ref("29:pat", "a:3")
        assert await directory.get("29:sam") == ref("29:sam", "a:2")
        assert await directory.get("29:never-seen") is None

    play(env, scenario)


def test_a_newer_card_closes_the_older_and_a_used_button_is_stale(env: dict[str, str]) -> None:
    async def scenario(state: TeamsState) -> None:
        cards = state.cards
        assert not await cards.is_stale("a:1", "act-1")  # no record: sent before a restart
        assert await cards.replace("a:1", card("act-1")) is None
        assert not await cards.is_stale("a:1", "act-1") and not await cards.is_stale("a:1", None)
        assert await cards.replace("a:1", card("act-2")) == card("act-1")  # closed: drawn again without buttons
        assert await cards.is_stale("a:1", "act-1") and not await cards.is_stale("a:1", "act-2")
        assert await cards.press("a:1", "act-1") is None  # not the live one
        assert await cards.press("a:1", "act-2") == card("act-2")
        assert await cards.press("a:1", "act-2") is None  # pressed twice: the second finds it closed
        assert await cards.is_stale("a:1", "act-2")
        assert await cards.replace("a:2", card("act-3")) is None  # another conversation's own
        assert await cards.take("a:2") == card("act-3") and await cards.take("a:2") is None
        assert await cards.is_stale("a:2", "act-3")

    play(env, scenario)


# ---- in memory: bounded in time and count, on a test clock ----


def test_the_defaults_remember_an_hour_of_activities() -> None:
    ids = MemoryRecentIds()
    assert (ids.limit, ids.seconds) == (SEEN_ACTIVITIES, SEEN_FOR_SECONDS) == (10_000, 3600.0)


@pytest.mark.parametrize(
    "again_at,first_time",
    [
        (0.0, False),  # Teams' immediate retry
        (59.0, False),  # within the window
        (60.0, False),  # on its edge: still remembered
        (60.5, True),  # past it: forgotten
    ],
)
def test_an_id_is_remembered_for_its_window(again_at: float, first_time: bool) -> None:
    clock = Clock()
    ids = MemoryRecentIds(limit=10, seconds=60, clock=clock)
    assert ids.add("conv/1")
    clock.now = again_at
    assert ids.add("conv/1") is first_time


def test_past_the_limit_the_oldest_ids_are_forgotten_first() -> None:
    clock = Clock()
    ids = MemoryRecentIds(limit=3, seconds=3600, clock=clock)
    for n in range(4):
        clock.now = n
        assert ids.add(f"id-{n}")
    assert ids.add("id-0")  # pushed out by id-3
    assert not ids.add("id-3")


def test_a_member_is_cached_until_its_time_is_up() -> None:
    clock = Clock()
    cache = MemoryMemberCache(seconds=100, clock=clock)
    pat = {"id": "29:pat", "email": "pat@northbrook.example"}

    async def scenario() -> None:
        await cache.put("a:1", "29:pat", pat)
        clock.now = 99.9
        assert await cache.get("a:1", "29:pat") == pat
        clock.now = 100
        assert await cache.get("a:1", "29:pat") is None  # expired: asked again

    asyncio.run(scenario())
    assert MemoryMemberCache().seconds == MEMBER_CACHE_SECONDS == 3600.0


def test_past_the_limit_the_member_cache_starts_afresh() -> None:
    cache = MemoryMemberCache(seconds=100, limit=2)

    async def cached() -> list[bool]:
        return [await cache.get("a:1", f"29:user-{n}") is not None for n in range(4)]

    async def scenario() -> None:
        for n in range(3):
            await cache.put("a:1", f"29:user-{n}", {"id": f"29:user-{n}"})
        assert await cached() == [True, True, True, False]
        await cache.put("a:1", "29:user-3", {"id": "29:user-3"})  # a fourth, over the limit of two
        assert await cached() == [False, False, False, True]

    asyncio.run(scenario())


def test_past_the_limit_the_least_recently_active_user_is_forgotten() -> None:
    directory = MemoryConversationDirectory(limit=2)

    async def scenario() -> None:
        await directory.remember("29:pat", ref("29:pat"))
        await directory.remember("29:sam", ref("29:sam"))
        await directory.remember("29:pat", ref("29:pat"))  # Pat is active again; Sam is now the oldest
        await directory.remember("29:kim", ref("29:kim"))
        assert [await directory.get(s) is not None for s in ("29:pat", "29:sam", "29:kim")] == [True, False, True]

    asyncio.run(scenario())
    assert MemoryConversationDirectory().limit == MAX_CONVERSATIONS == 50_000
