"""What the Teams channel remembers between requests, in memory and bounded: the activity ids it has
answered (Teams retries a slow bot), the members API's answers, and each user's conversation."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from typing import Any

from bot.channels.teams_payloads import ConversationRef

SEEN_ACTIVITIES = 10_000  # activity ids remembered to answer a retried one only once
SEEN_FOR_SECONDS = 3600.0
MEMBER_CACHE_SECONDS = 3600.0
MAX_CONVERSATIONS = 50_000  # conversation references kept for replies sent after a turn

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
