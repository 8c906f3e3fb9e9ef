"""What the Teams channel remembers between requests, in memory and bounded: the activity ids it has
answered (Teams retries a slow bot), the members API's answers, each user's conversation, and the
card whose buttons are live in it."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from bot.channels.teams_payloads import ConversationRef

SEEN_ACTIVITIES = 10_000  # activity ids remembered to answer a retried one only once
SEEN_FOR_SECONDS = 3600.0
MEMBER_CACHE_SECONDS = 3600.0
MAX_CONVERSATIONS = 50_000  # conversation references kept for replies sent after a turn
MAX_LIVE_CARDS = 10_000  # conversations whose live card is kept (a message of a few KB each)

Member = dict[str, Any]  # one entry of the conversation members API (UPN, e-mail)


class RecentIds:
    """Ids seen in the last ``seconds`` (at most ``limit`` of them): a retried activity is dropped."""

    def __init__(self, limit: int = SEEN_ACTIVITIES, seconds: float = SEEN_FOR_SECONDS) -> None:
        self.limit, self.seconds = limit, seconds
        self._seen: OrderedDict[str, float] = OrderedDict()

    def first_time(self, key: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        while self._seen and (len(self._seen) >= self.limit or next(iter(self._seen.values())) < now - self.seconds):
            self._seen.popitem(last=False)
        if key in self._seen:
            return False
        self._seen[key] = now
        return True

    def __contains__(self, key: object) -> bool:
        return key in self._seen


class MemberCache:
    """The members API's answer for a user in a conversation, kept for ``seconds``. Past ``limit``
    entries it starts afresh: a bound on memory, paid for with one look-up per active user."""

    def __init__(self, seconds: float = MEMBER_CACHE_SECONDS, limit: int = MAX_CONVERSATIONS) -> None:
        self.seconds, self.limit = seconds, limit
        self._members: dict[tuple[str, str], tuple[float, Member]] = {}

    def get(self, conversation_id: str, user_id: str, now: float | None = None) -> Member | None:
        """The cached answer, or None when there is none or it is older than ``seconds``."""
        now = time.monotonic() if now is None else now
        cached = self._members.get((conversation_id, user_id))
        return cached[1] if cached and cached[0] > now else None

    def put(self, conversation_id: str, user_id: str, member: Member, now: float | None = None) -> None:
        """Keep an answer; ``now`` is when it was asked for."""
        now = time.monotonic() if now is None else now
        if len(self._members) > self.limit:
            self._members.clear()
        self._members[(conversation_id, user_id)] = (now + self.seconds, member)


class ConversationDirectory(Mapping[str, ConversationRef]):
    """Each user's (Rasa sender's) latest conversation, for replies sent after the turn; only the
    ``limit`` most recently active are kept."""

    def __init__(self, limit: int = MAX_CONVERSATIONS) -> None:
        self.limit = limit
        self._refs: OrderedDict[str, ConversationRef] = OrderedDict()

    def remember(self, sender: str, ref: ConversationRef) -> None:
        self._refs[sender] = ref
        self._refs.move_to_end(sender)
        while len(self._refs) > self.limit:
            self._refs.popitem(last=False)

    def __getitem__(self, sender: str) -> ConversationRef:
        return self._refs[sender]

    def __iter__(self) -> Iterator[str]:
        return iter(self._refs)

    def __len__(self) -> int:
        return len(self._refs)


@dataclass(frozen=True)
class LiveCard:
    """The card in a conversation whose buttons still reach the bot: its activity id and the Rasa
    message it was drawn from (to draw it again without them)."""

    activity_id: str
    message: Mapping[str, Any]


class LiveCards:
    """Each conversation's live card (at most one: a newer card closes the older), and the cards
    closed lately, so a second press of a used button is recognised as stale."""

    def __init__(self, limit: int = MAX_LIVE_CARDS) -> None:
        self.limit = limit
        self._live: OrderedDict[str, LiveCard] = OrderedDict()
        self._closed = RecentIds()

    def replace(self, conversation_id: str, card: LiveCard) -> LiveCard | None:
        """Make ``card`` the live one; returns the card it closes, if any."""
        previous = self.take(conversation_id)
        self._live[conversation_id] = card
        while len(self._live) > self.limit:
            self._live.popitem(last=False)
        return previous

    def take(self, conversation_id: str) -> LiveCard | None:
        """Close the conversation's live card and return it (None if it has none)."""
        card = self._live.pop(conversation_id, None)
        if card is not None:
            self._closed.first_time(f"{conversation_id}/{card.activity_id}")
        return card

    def press(self, conversation_id: str, activity_id: str | None) -> LiveCard | None:
        """The live card, closed, if ``activity_id`` is it; else None."""
        live = self._live.get(conversation_id)
        return self.take(conversation_id) if live is not None and live.activity_id == activity_id else None

    def is_stale(self, conversation_id: str, activity_id: str | None) -> bool:
        """Whether a press on the card ``activity_id`` must not reach the bot: another card is live
        now, or this one was closed. A card this process has no record of (sent before a restart) is
        not stale."""
        if activity_id is None:
            return False
        live = self._live.get(conversation_id)
        if live is not None:
            return live.activity_id != activity_id
        return f"{conversation_id}/{activity_id}" in self._closed
