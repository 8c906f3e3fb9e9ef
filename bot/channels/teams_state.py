"""What the Teams channel remembers between requests: the activity ids it has answered (Teams
retries a slow bot), the members API's answers, each user's conversation, and the card whose buttons
are live in it. Each is a contract here with a bounded in-memory implementation (one process);
bot/channels/teams_state_redis.py shares the same across replicas when REDIS_URL is set.

The contracts are async: the Redis implementations talk to a server from Sanic's event loop."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.channels.teams_payloads import ConversationRef
from bot.redis_url import redis_url

SEEN_ACTIVITIES = 10_000  # activity ids remembered to answer a retried one only once
SEEN_FOR_SECONDS = 3600.0
MEMBER_CACHE_SECONDS = 3600.0
MAX_CONVERSATIONS = 50_000  # conversation references kept for replies sent after a turn
MAX_LIVE_CARDS = 10_000  # conversations whose live card is kept (a message of a few KB each)

Member = dict[str, Any]  # one entry of the conversation members API (UPN, e-mail)
Clock = Callable[[], float]  # seconds, only ever compared with each other


class RecentIds:
    """Ids seen in the last ``SEEN_FOR_SECONDS``: a retried activity is answered once."""

    async def first_time(self, key: str) -> bool:
        """Whether ``key`` is new; it is remembered from now on (one caller in all gets True)."""
        raise NotImplementedError


class MemberCache:
    """The members API's answer for a user in a conversation, kept for ``MEMBER_CACHE_SECONDS``."""

    async def get(self, conversation_id: str, user_id: str) -> Member | None:
        """The cached answer, or None when there is none or its time is up."""
        raise NotImplementedError

    async def put(self, conversation_id: str, user_id: str, member: Member) -> None:
        raise NotImplementedError


class ConversationDirectory:
    """Each user's (Rasa sender's) latest conversation, for replies sent after the turn; only the
    ``MAX_CONVERSATIONS`` most recently active are kept."""

    async def remember(self, sender: str, ref: ConversationRef) -> None:
        raise NotImplementedError

    async def get(self, sender: str) -> ConversationRef | None:
        raise NotImplementedError


@dataclass(frozen=True)
class LiveCard:
    """The card in a conversation whose buttons still reach the bot: its activity id and the Rasa
    message it was drawn from (to draw it again without them)."""

    activity_id: str
    message: Mapping[str, Any]


class LiveCards:
    """Each conversation's live card (at most one: a newer card closes the older), and the cards
    closed in the last ``SEEN_FOR_SECONDS``, so a second press of a used button is recognised as stale."""

    async def replace(self, conversation_id: str, card: LiveCard) -> LiveCard | None:
        """Make ``card`` the live one; returns the card it closes, if any."""
        raise NotImplementedError

    async def take(self, conversation_id: str) -> LiveCard | None:
        """Close the conversation's live card and return it (None if it has none)."""
        raise NotImplementedError

    async def press(self, conversation_id: str, activity_id: str | None) -> LiveCard | None:
        """The live card, closed, if ``activity_id`` is it; else None. Of two presses, one gets it."""
        raise NotImplementedError

    async def is_stale(self, conversation_id: str, activity_id: str | None) -> bool:
        """Whether a press on the card ``activity_id`` must not reach the bot: another card is live
        now, or this one was closed. A card with no record (sent before a restart, or forgotten) is
        not stale."""
        raise NotImplementedError


@dataclass
class TeamsState:
    seen: RecentIds
    members: MemberCache
    conversations: ConversationDirectory
    cards: LiveCards

    async def close(self) -> None:
        """Let go of what the stores hold open (a shared store's connections)."""


def teams_state(env: Mapping[str, str]) -> TeamsState:
    """Shared through Redis when REDIS_URL is set (RedisUrlError, naming it, when it is malformed);
    else in this process's memory."""
    url = redis_url(env)
    if url is None:
        return TeamsState(MemoryRecentIds(), MemoryMemberCache(), MemoryConversationDirectory(), MemoryLiveCards())
    from bot.channels.teams_state_redis import redis_teams_state  # the redis package: only when used

    return redis_teams_state(url)


# ---- in this process's memory, bounded in count as well as time ----


class MemoryRecentIds(RecentIds):
    def __init__(
        self, limit: int = SEEN_ACTIVITIES, seconds: float = SEEN_FOR_SECONDS, clock: Clock = time.monotonic
    ) -> None:
        self.limit, self.seconds, self.clock = limit, seconds, clock
        self._seen: OrderedDict[str, float] = OrderedDict()

    async def first_time(self, key: str) -> bool:
        return self.add(key)

    def add(self, key: str) -> bool:
        now = self.clock()
        while self._seen and (len(self._seen) >= self.limit or next(iter(self._seen.values())) < now - self.seconds):
            self._seen.popitem(last=False)
        if key in self._seen:
            return False
        self._seen[key] = now
        return True

    def __contains__(self, key: object) -> bool:
        return key in self._seen


class MemoryMemberCache(MemberCache):
    """Past ``limit`` entries it starts afresh: a bound on memory, paid for with one look-up per active user."""

    def __init__(
        self, seconds: float = MEMBER_CACHE_SECONDS, limit: int = MAX_CONVERSATIONS, clock: Clock = time.monotonic
    ) -> None:
        self.seconds, self.limit, self.clock = seconds, limit, clock
        self._members: dict[tuple[str, str], tuple[float, Member]] = {}

    async def get(self, conversation_id: str, user_id: str) -> Member | None:
        cached = self._members.get((conversation_id, user_id))
        return cached[1] if cached and cached[0] > self.clock() else None

    async def put(self, conversation_id: str, user_id: str, member: Member) -> None:
        if len(self._members) > self.limit:
            self._members.clear()
        self._members[(conversation_id, user_id)] = (self.clock() + self.seconds, member)


class MemoryConversationDirectory(ConversationDirectory):
    def __init__(self, limit: int = MAX_CONVERSATIONS) -> None:
        self.limit = limit
        self._refs: OrderedDict[str, ConversationRef] = OrderedDict()

    async def remember(self, sender: str, ref: ConversationRef) -> None:
        self._refs[sender] = ref
        self._refs.move_to_end(sender)
        while len(self._refs) > self.limit:
            self._refs.popitem(last=False)

    async def get(self, sender: str) -> ConversationRef | None:
        return self._refs.get(sender)


class MemoryLiveCards(LiveCards):
    def __init__(self, limit: int = MAX_LIVE_CARDS) -> None:
        self.limit = limit
        self._live: OrderedDict[str, LiveCard] = OrderedDict()
        self._closed = MemoryRecentIds()

    async def replace(self, conversation_id: str, card: LiveCard) -> LiveCard | None:
        previous = await self.take(conversation_id)
        self._live[conversation_id] = card
        while len(self._live) > self.limit:
            self._live.popitem(last=False)
        return previous

    async def take(self, conversation_id: str) -> LiveCard | None:
        card = self._live.pop(conversation_id, None)
        if card is not None:
            self._closed.add(f"{conversation_id}/{card.activity_id}")
        return card

    async def press(self, conversation_id: str, activity_id: str | None) -> LiveCard | None:
        live = self._live.get(conversation_id)
        return await self.take(conversation_id) if live is not None and live.activity_id == activity_id else None

    async def is_stale(self, conversation_id: str, activity_id: str | None) -> bool:
        if activity_id is None:
            return False
        live = self._live.get(conversation_id)
        if live is not None:
            return live.activity_id != activity_id
        return f"{conversation_id}/{activity_id}" in self._closed
