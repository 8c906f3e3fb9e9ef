"""The Teams channel's state (bot/channels/teams_state.py) in Redis, shared by every replica: when
Teams retries an activity on the other replica it is still answered once, and news for a user
reaches the conversation whichever replica saw it.

Keys start with ``askit:teams:``. Retry ids, member look-ups and closed cards expire as they do in
memory (a key with a TTL each; their number is bounded by an hour's traffic); the conversation
references and live cards keep the same most-recently-active bound, in a hash ordered by a sorted
set, trimmed by the script that writes them. What must happen once across replicas is one Redis
command or one script. The scripts name keys made from stored values: one Redis, not a cluster.

Redis unreachable: each call logs and answers as if nothing were remembered (the activity is new, no
card is live), so the turn goes on and its reply, or Rasa's failure (its lock store is on the same
Redis), reaches the user; a retry may then be answered twice.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Awaitable
from typing import Any, TypeVar

import redis.asyncio  # type: ignore[import-untyped]
from redis.exceptions import RedisError  # type: ignore[import-untyped]

from bot.channels.teams_payloads import ConversationRef
from bot.channels.teams_state import (
    MAX_CONVERSATIONS,
    MAX_LIVE_CARDS,
    MEMBER_CACHE_SECONDS,
    SEEN_FOR_SECONDS,
    ConversationDirectory,
    LiveCard,
    LiveCards,
    Member,
    MemberCache,
    RecentIds,
    TeamsState,
)
from bot.redis_url import RedisUrl

logger = logging.getLogger(__name__)

PREFIX = "askit:teams:"
TIMEOUT_SECONDS = 2.0  # the longest a turn waits on a Redis that does not answer
T = TypeVar("T")

# Shared by the scripts that write a bounded hash: KEYS[1] the hash, KEYS[2] its members ordered by
# last write, KEYS[3] the counter that orders them; ARGV[1] the field, ARGV[2] the value, ARGV[3] the bound.
_WRITE_BOUNDED = """
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[3]), ARGV[1])
local over = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[3])
if over > 0 then
  redis.call('HDEL', KEYS[1], unpack(redis.call('ZRANGE', KEYS[2], 0, over - 1)))
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, over - 1)
end
"""
# The card a conversation's live card was (ARGV[4] the closed-card key prefix, ARGV[5] its TTL in ms).
_CLOSE = """
local function close(card)
  redis.call('SET', ARGV[4] .. ARGV[1] .. '/' .. cjson.decode(card)['activity_id'], '1', 'PX', ARGV[5])
end
"""
# Replace the live card: returns the one it closes, or nil.
_REPLACE_CARD = (
    _CLOSE
    + """
local previous = redis.call('HGET', KEYS[1], ARGV[1])
if previous then close(previous) end
"""
    + _WRITE_BOUNDED
    + "return previous"
)
# Close the live card if it is ARGV[2] ('' for any): returns it, or nil.
_TAKE_CARD = (
    _CLOSE
    + """
local card = redis.call('HGET', KEYS[1], ARGV[1])
if not card or (ARGV[2] ~= '' and cjson.decode(card)['activity_id'] ~= ARGV[2]) then return nil end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
close(card)
return card
"""
)


def client(url: RedisUrl) -> redis.asyncio.Redis:
    return redis.asyncio.Redis(
        **url.connection(),
        ssl=url.tls,
        socket_timeout=TIMEOUT_SECONDS,
        socket_connect_timeout=TIMEOUT_SECONDS,
        decode_responses=True,
    )


async def shared(call: Awaitable[T], otherwise: T, what: str) -> T:
    """``call``'s answer, or ``otherwise`` when Redis cannot be reached (logged): the one place Redis's errors end."""
    try:
        return await call
    except RedisError as exc:
        logger.warning("Teams: Redis unavailable for %s, going on without it: %s", what, type(exc).__name__)
        return otherwise


def _ms(seconds: float) -> int:
    return max(1, round(seconds * 1000))


class RedisRecentIds(RecentIds):
    def __init__(self, red: redis.asyncio.Redis, seconds: float = SEEN_FOR_SECONDS) -> None:
        self.red, self.seconds = red, seconds

    async def first_time(self, key: str) -> bool:
        stored = self.red.set(f"{PREFIX}seen:{key}", "1", nx=True, px=_ms(self.seconds))
        return bool(await shared(stored, True, "the retry check"))


class RedisMemberCache(MemberCache):
    def __init__(self, red: redis.asyncio.Redis, seconds: float = MEMBER_CACHE_SECONDS) -> None:
        self.red, self.seconds = red, seconds

    @staticmethod
    def key(conversation_id: str, user_id: str) -> str:
        return f"{PREFIX}member:{json.dumps([conversation_id, user_id])}"

    async def get(self, conversation_id: str, user_id: str) -> Member | None:
        cached = await shared(self.red.get(self.key(conversation_id, user_id)), None, "the member cache")
        return json.loads(cached) if cached else None

    async def put(self, conversation_id: str, user_id: str, member: Member) -> None:
        stored = self.red.set(self.key(conversation_id, user_id), json.dumps(member), px=_ms(self.seconds))
        await shared(stored, None, "the member cache")


class RedisConversationDirectory(ConversationDirectory):
    KEYS = (f"{PREFIX}conversations", f"{PREFIX}conversations:order", f"{PREFIX}conversations:clock")

    def __init__(self, red: redis.asyncio.Redis, limit: int = MAX_CONVERSATIONS) -> None:
        self.red, self.limit = red, limit
        self._remember = red.register_script(_WRITE_BOUNDED)

    async def remember(self, sender: str, ref: ConversationRef) -> None:
        stored = self._remember(keys=self.KEYS, args=[sender, json.dumps(dataclasses.asdict(ref)), self.limit])
        await shared(stored, None, "the conversation directory")

    async def get(self, sender: str) -> ConversationRef | None:
        found = await shared(self.red.hget(self.KEYS[0], sender), None, "the conversation directory")
        return ConversationRef(**json.loads(found)) if found else None


class RedisLiveCards(LiveCards):
    KEYS = (f"{PREFIX}cards", f"{PREFIX}cards:order", f"{PREFIX}cards:clock")
    CLOSED = f"{PREFIX}closed:"

    def __init__(self, red: redis.asyncio.Redis, limit: int = MAX_LIVE_CARDS, seconds: float = SEEN_FOR_SECONDS):
        self.red, self.limit, self.seconds = red, limit, seconds
        self._replace, self._take = red.register_script(_REPLACE_CARD), red.register_script(_TAKE_CARD)

    async def replace(self, conversation_id: str, card: LiveCard) -> LiveCard | None:
        value = json.dumps({"activity_id": card.activity_id, "message": card.message})
        args = [conversation_id, value, self.limit, self.CLOSED, _ms(self.seconds)]
        return _card(await shared(self._replace(keys=self.KEYS, args=args), None, "the live cards"))

    async def take(self, conversation_id: str) -> LiveCard | None:
        return await self._taken(conversation_id, "")

    async def press(self, conversation_id: str, activity_id: str | None) -> LiveCard | None:
        return await self._taken(conversation_id, activity_id) if activity_id else None

    async def _taken(self, conversation_id: str, activity_id: str) -> LiveCard | None:
        args = [conversation_id, activity_id, self.limit, self.CLOSED, _ms(self.seconds)]
        return _card(await shared(self._take(keys=self.KEYS, args=args), None, "the live cards"))

    async def is_stale(self, conversation_id: str, activity_id: str | None) -> bool:
        if activity_id is None:
            return False
        looked = self.red.pipeline(transaction=True)
        looked.hget(self.KEYS[0], conversation_id).exists(f"{self.CLOSED}{conversation_id}/{activity_id}")
        live, closed = await shared(looked.execute(), [None, 0], "the live cards")
        if live is not None:
            return bool(json.loads(live)["activity_id"] != activity_id)
        return bool(closed)


def _card(stored: Any) -> LiveCard | None:
    if not stored:
        return None
    card = json.loads(stored)
    return LiveCard(card["activity_id"], card["message"])


@dataclasses.dataclass
class RedisTeamsState(TeamsState):
    red: redis.asyncio.Redis | None = None

    async def close(self) -> None:
        if self.red is not None:
            await self.red.close()


def redis_teams_state(url: RedisUrl) -> RedisTeamsState:
    red = client(url)
    return RedisTeamsState(
        RedisRecentIds(red), RedisMemberCache(red), RedisConversationDirectory(red), RedisLiveCards(red), red
    )
