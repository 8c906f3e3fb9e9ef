"""The Teams channel's state in a real Redis (tests/redis_server.py), as two replicas share it: a
retried activity is answered once across both, what one remembers the other finds, a card replaced
on one is pressed on the other; the keys expire and stay bounded as the in-memory ones do; and a
Redis that is down costs a turn nothing but the sharing."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator

import pytest
import redis  # type: ignore[import-untyped]

from bot.channels.teams_state import MEMBER_CACHE_SECONDS, SEEN_FOR_SECONDS, TeamsState, teams_state
from bot.channels.teams_state_redis import (
    PREFIX,
    RedisConversationDirectory,
    RedisLiveCards,
    RedisRecentIds,
    RedisTeamsState,
    client,
)
from bot.launcher import free_port
from bot.redis_url import RedisUrl
from tests.channels.test_teams_state import card, ref
from tests.redis_server import RedisServer
from tests.waiting import wait_until

DB = 2
HOUR_MS = 3_600_000
Replicas = Callable[[TeamsState, TeamsState], Awaitable[None]]


@pytest.fixture
def inspect(redis_server: RedisServer) -> Iterator[redis.Redis]:
    """What is in Redis, read beside the replicas; emptied after each test."""
    with redis_server.inspected(DB) as red:
        yield red


def replicas(server: RedisServer, scenario: Replicas) -> None:
    """Run ``scenario`` with two replicas' state on one Redis, as REDIS_URL makes it."""

    async def main() -> None:
        one, two = teams_state({"REDIS_URL": server.url(DB)}), teams_state({"REDIS_URL": server.url(DB)})
        try:
            await scenario(one, two)
        finally:
            await one.close()
            await two.close()

    asyncio.run(main())


def test_a_retried_activity_is_answered_once_across_replicas(redis_server: RedisServer, inspect: redis.Redis) -> None:
    async def scenario(one: TeamsState, two: TeamsState) -> None:
        # Teams' retries, arriving at both replicas at once: exactly one of all the checks is first.
        tries = [replica.seen.first_time("a:1/activity-7") for _ in range(10) for replica in (one, two)]
        assert sorted(await asyncio.gather(*tries)) == [False] * 19 + [True]
        assert await two.seen.first_time("a:1/activity-8") and not await one.seen.first_time("a:1/activity-8")

    replicas(redis_server, scenario)
    assert 0 < inspect.pttl(f"{PREFIX}seen:a:1/activity-7") <= SEEN_FOR_SECONDS * 1000 == HOUR_MS


def test_a_conversation_remembered_by_one_replica_is_found_by_the_other(redis_server: RedisServer) -> None:
    async def scenario(one: TeamsState, two: TeamsState) -> None:
        await one.conversations.remember("29:pat", ref("29:pat", "a:1"))
        assert await two.conversations.get("29:pat") == ref("29:pat", "a:1")  # news for Pat, sent by the other
        await two.conversations.remember("29:pat", ref("29:pat", "a:9"))
        assert await one.conversations.get("29:pat") == ref("29:pat", "a:9")

    replicas(redis_server, scenario)


def test_the_member_cache_is_shared_and_kept_for_an_hour(redis_server: RedisServer, inspect: redis.Redis) -> None:
    pat = {"id": "29:pat", "email": "pat@northbrook.example"}

    async def scenario(one: TeamsState, two: TeamsState) -> None:
        await one.members.put("a:1", "29:pat", pat)
        assert await two.members.get("a:1", "29:pat") == pat

    replicas(redis_server, scenario)
    [key] = inspect.keys(f"{PREFIX}member:*")
    assert 0 < inspect.pttl(key) <= MEMBER_CACHE_SECONDS * 1000 == HOUR_MS


def test_a_card_replaced_on_one_replica_is_pressed_on_the_other(
    redis_server: RedisServer, inspect: redis.Redis
) -> None:
    async def scenario(one: TeamsState, two: TeamsState) -> None:
        await one.cards.replace("a:1", card("act-1"))
        assert await two.cards.replace("a:1", card("act-2")) == card("act-1")  # closed by the other replica
        assert await one.cards.is_stale("a:1", "act-1") and await one.cards.press("a:1", "act-1") is None
        # A double click reaching both replicas: one press gets the card, the other finds it closed.
        presses = await asyncio.gather(one.cards.press("a:1", "act-2"), two.cards.press("a:1", "act-2"))
        assert sorted(presses, key=bool) == [None, card("act-2")]
        assert await one.cards.is_stale("a:1", "act-2") and await two.cards.is_stale("a:1", "act-2")

    replicas(redis_server, scenario)
    for activity_id in ("act-1", "act-2"):  # closed cards are remembered for the retry window
        assert 0 < inspect.pttl(f"{PREFIX}closed:a:1/{activity_id}") <= HOUR_MS


def test_keys_expire_in_redis(redis_server: RedisServer, inspect: redis.Redis) -> None:
    async def seen() -> None:
        red = client(RedisUrl.parse(redis_server.url(DB)))
        assert await RedisRecentIds(red, seconds=0.05).first_time("a:1/short")
        await red.close()

    asyncio.run(seen())
    wait_until(lambda: not inspect.exists(f"{PREFIX}seen:a:1/short"), 5, "Redis to expire the id")


def test_conversations_and_cards_keep_the_most_recently_active(redis_server: RedisServer) -> None:
    async def main() -> None:
        red = client(RedisUrl.parse(redis_server.url(DB)))
        directory, cards = RedisConversationDirectory(red, limit=2), RedisLiveCards(red, limit=2)
        for sender in ("29:pat", "29:sam", "29:pat", "29:kim"):  # Pat active again: Sam is the oldest
            await directory.remember(sender, ref(sender))
        assert [await directory.get(s) is not None for s in ("29:pat", "29:sam", "29:kim")] == [True, False, True]
        for n, conversation in enumerate(("a:1", "a:2", "a:1", "a:3")):
            await cards.replace(conversation, card(f"act-{n}"))
        assert [await cards.take(c) for c in ("a:1", "a:2", "a:3")] == [card("act-2"), None, card("act-3")]
        await red.close()

    asyncio.run(main())


def test_with_redis_down_each_call_answers_as_if_nothing_were_remembered(caplog: pytest.LogCaptureFixture) -> None:
    url = f"redis://:hunter2-not-logged@127.0.0.1:{free_port()}/0"  # nothing listens there

    async def main() -> None:
        state = teams_state({"REDIS_URL": url})
        assert isinstance(state, RedisTeamsState)
        assert await state.seen.first_time("a:1/1") and await state.seen.first_time("a:1/1")  # answered
        await state.members.put("a:1", "29:pat", {"id": "29:pat"})
        assert await state.members.get("a:1", "29:pat") is None  # the members API is asked
        await state.conversations.remember("29:pat", ref("29:pat"))
        assert await state.conversations.get("29:pat") is None
        assert await state.cards.replace("a:1", card("act-1")) is None
        assert await state.cards.press("a:1", "act-1") is None and not await state.cards.is_stale("a:1", "act-1")
        await state.close()

    with caplog.at_level(logging.WARNING):
        asyncio.run(main())
    assert "Teams: Redis unavailable for the retry check" in caplog.text
    assert "hunter2" not in caplog.text
