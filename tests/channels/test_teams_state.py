"""What the Teams channel remembers between requests: retried activity ids, member look-ups and
each user's conversation, with their time and size bounds. Plain classes: no Sanic, no Rasa."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from bot.channels.teams_payloads import ConversationRef
from bot.channels.teams_state import (
    MAX_CONVERSATIONS,
    MEMBER_CACHE_SECONDS,
    SEEN_ACTIVITIES,
    SEEN_FOR_SECONDS,
    ConversationDirectory,
    MemberCache,
    RecentIds,
)


def ref(user_id: str, conversation_id: str = "a:1") -> ConversationRef:
    return ConversationRef(
        service_url="https://smba.trafficmanager.net/emea/",
        conversation_id=conversation_id,
        bot={"id": "28:bot", "name": "AskIT"},
        user_id=user_id,
        base_url="https://askit.example",
    )


# ---- RecentIds: a retried activity is answered once ----


def test_the_defaults_remember_an_hour_of_activities() -> None:
    ids = RecentIds()
    assert (ids.limit, ids.seconds) == (SEEN_ACTIVITIES, SEEN_FOR_SECONDS) == (10_000, 3600.0)


@pytest.mark.parametrize(
    "seen_at,again_at,first_time",
    [
        (0.0, 0.0, False),  # Teams' immediate retry
        (0.0, 59.0, False),  # within the window
        (0.0, 60.0, False),  # on its edge: still remembered
        (0.0, 60.5, True),  # past it: forgotten
    ],
)
def test_an_id_is_remembered_for_its_window(seen_at: float, again_at: float, first_time: bool) -> None:
    ids = RecentIds(limit=10, seconds=60)
    assert ids.first_time("conv/1", now=seen_at)
    assert ids.first_time("conv/1", now=again_at) is first_time


def test_ids_are_told_apart() -> None:
    ids = RecentIds(limit=10, seconds=60)
    assert ids.first_time("conv-a/1", now=0) and ids.first_time("conv-b/1", now=0)
    assert not ids.first_time("conv-a/1", now=1) and not ids.first_time("conv-b/1", now=1)


def test_past_the_limit_the_oldest_ids_are_forgotten_first() -> None:
    ids = RecentIds(limit=3, seconds=3600)
    for n in range(4):
        assert ids.first_time(f"id-{n}", now=n)
    assert ids.first_time("id-0", now=10)  # pushed out by id-3
    assert not ids.first_time("id-3", now=10)


# ---- MemberCache: the members API asked once an hour per user and conversation ----


def test_a_member_is_cached_until_its_time_is_up() -> None:
    cache = MemberCache(seconds=100)
    pat = {"id": "29:pat", "email": "pat@northbrook.example"}
    assert cache.get("a:1", "29:pat", now=0) is None
    cache.put("a:1", "29:pat", pat, now=0)
    assert cache.get("a:1", "29:pat", now=99.9) == pat
    assert cache.get("a:1", "29:pat", now=100) is None  # expired: asked again


def test_the_default_keeps_a_member_for_an_hour() -> None:
    cache = MemberCache()
    cache.put("a:1", "29:pat", {"id": "29:pat"}, now=0)
    assert MEMBER_CACHE_SECONDS == 3600.0
    assert cache.get("a:1", "29:pat", now=3599) is not None and cache.get("a:1", "29:pat", now=3600) is None


@pytest.mark.parametrize("conversation,user", [("a:2", "29:pat"), ("a:1", "29:sam")])
def test_a_member_is_cached_per_conversation_and_user(conversation: str, user: str) -> None:
    cache = MemberCache()
    cache.put("a:1", "29:pat", {"id": "29:pat"}, now=0)
    assert cache.get(conversation, user, now=1) is None


def test_past_the_limit_the_cache_starts_afresh() -> None:
    cache = MemberCache(seconds=100, limit=2)
    for n in range(3):
        cache.put("a:1", f"29:user-{n}", {"id": f"29:user-{n}"}, now=0)
    assert [cache.get("a:1", f"29:user-{n}", now=1) is not None for n in range(3)] == [True, True, True]
    cache.put("a:1", "29:user-3", {"id": "29:user-3"}, now=0)  # a fourth, over the limit of two
    assert [cache.get("a:1", f"29:user-{n}", now=1) is not None for n in range(4)] == [False, False, False, True]


# ---- ConversationDirectory: where news after the turn goes ----


def test_the_latest_conversation_of_each_user_is_found() -> None:
    directory = ConversationDirectory()
    directory.remember("29:pat", ref("29:pat", "a:1"))
    directory.remember("29:sam", ref("29:sam", "a:2"))
    directory.remember("29:pat", ref("29:pat", "a:3"))  # Pat wrote from another conversation
    assert isinstance(directory, Mapping) and len(directory) == 2
    assert directory["29:pat"].conversation_id == "a:3" and directory["29:sam"].conversation_id == "a:2"
    assert directory.get("29:never-seen") is None and "29:never-seen" not in directory
    assert directory.limit == MAX_CONVERSATIONS == 50_000


def test_past_the_limit_the_least_recently_active_user_is_forgotten() -> None:
    directory = ConversationDirectory(limit=2)
    directory.remember("29:pat", ref("29:pat"))
    directory.remember("29:sam", ref("29:sam"))
    directory.remember("29:pat", ref("29:pat"))  # Pat is active again; Sam is now the oldest
    directory.remember("29:kim", ref("29:kim"))
    assert sorted(directory) == ["29:kim", "29:pat"]
