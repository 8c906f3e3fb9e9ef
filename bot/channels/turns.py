"""One queue of turns per sender for the chat channels: in order, one at a time per sender, other
senders concurrently, a flood refused at the door (the caller says "slow down") instead of dropped.

The worker tasks belong to ``SenderTurns``, not to the socket or request that submitted, so a
disconnect never cancels accepted work. State exists only for senders with work waiting or rate
allowance spent; idle senders cost nothing.
"""

from __future__ import annotations

import asyncio
import logging
import time
import traceback
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")

# A person typing fast sends perhaps one message a second, and a few in a burst (a thought split over
# several lines, a double-clicked button); a paste-flood sends dozens in a second: that is what we stop.
DEFAULT_RATE = 1.0  # messages a second, sustained
DEFAULT_BURST = 5  # messages at once, after a pause
# A turn takes a second or two (NLU, an action, maybe a search): ten waiting is already a long wait,
# and it bounds the memory one sender can hold.
DEFAULT_MAX_PENDING = 10
# A conversation handed to a person (bot/handoff/broker.py) costs no NLU: a user who writes fifty
# lines while queued must reach the agent whole, so only this bound applies to it, not the rate.
RELAYED_MAX_PENDING = 200


@dataclass
class _Bucket:
    tokens: float
    stamp: float  # clock time of ``tokens``


class SenderTurns(Generic[T]):
    """Runs ``handle(item)`` for each accepted item: one sender's items strictly in order, one at a
    time; different senders concurrently. ``submit`` must be called on the running event loop."""

    def __init__(
        self,
        handle: Callable[[T], Awaitable[None]],
        *,
        max_pending: int = DEFAULT_MAX_PENDING,
        rate: float = DEFAULT_RATE,
        burst: int = DEFAULT_BURST,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_pending < 1 or burst < 1 or not rate > 0:
            raise ValueError("max_pending and burst must be at least 1, and rate above 0")
        self._handle = handle
        self._max_pending, self._rate, self._burst, self._clock = max_pending, rate, burst, clock
        self._refill_seconds = burst / rate  # an untouched bucket is full again after this long
        self._queues: dict[str, deque[T]] = {}
        self._workers: dict[str, asyncio.Task[None]] = {}  # owns the tasks until they end
        self._buckets: dict[str, _Bucket] = {}
        self._next_sweep = clock() + self._refill_seconds

    def submit(self, sender: str, item: T, relayed: bool = False) -> bool:
        """Queue ``item`` for ``sender``; True if accepted (it will be handled). False, and nothing
        queued, when ``max_pending`` of the sender's items are waiting (not counting the one being
        handled) or the sender is over the rate (``rate`` a second, ``burst`` at once): the caller
        then tells the user to slow down. ``relayed``: the item goes to a person, not to the bot:
        only RELAYED_MAX_PENDING bounds it (in the same queue, so the order holds)."""
        now = self._clock()
        self._forget_idle(now)
        queue = self._queues.get(sender)
        if queue is not None and len(queue) >= (RELAYED_MAX_PENDING if relayed else self._max_pending):
            return False
        if not relayed:
            bucket = self._buckets.get(sender)
            tokens = (
                self._burst if bucket is None else min(self._burst, bucket.tokens + (now - bucket.stamp) * self._rate)
            )
            if tokens < 1:
                return False
            self._buckets[sender] = _Bucket(tokens - 1, now)
        if queue is None:
            queue = self._queues[sender] = deque()
        queue.append(item)
        if sender not in self._workers:
            task = asyncio.get_running_loop().create_task(self._work(sender, queue))
            task.add_done_callback(lambda done: self._cancelled_before_start(sender, done))
            self._workers[sender] = task
        return True

    def pending(self, sender: str) -> int:
        """How many of the sender's items are waiting (not counting the one being handled)."""
        queue = self._queues.get(sender)
        return len(queue) if queue is not None else 0

    @property
    def senders(self) -> int:
        """Senders with any state: work queued or running, or rate allowance not yet restored."""
        return len(self._queues.keys() | self._buckets.keys())

    async def drain(self) -> None:
        """Wait until every accepted item has been handled, including items accepted meanwhile
        (tests, shutdown). Cancelling the wait does not cancel the work."""
        while self._workers:
            await asyncio.wait(list(self._workers.values()))
        self._forget_idle(self._clock())

    async def _work(self, sender: str, queue: deque[T]) -> None:
        handling = False
        try:
            while queue:
                item = queue.popleft()
                handling = True
                try:
                    await self._handle(item)
                except Exception as exc:  # one failed turn must not stop the sender's next ones
                    # The traceback without the exception's message: that may quote the user's text.
                    frames = "".join(traceback.format_tb(exc.__traceback__))
                    logger.error("turn failed for sender %s: %s\n%s", sender, type(exc).__name__, frames.rstrip())
                handling = False
        finally:
            # No await between the empty-queue check and here, so no submit can slip in between:
            # the next submit for this sender starts a new worker.
            self._end(sender, queue, unfinished=len(queue) + handling)

    def _cancelled_before_start(self, sender: str, task: asyncio.Task[None]) -> None:
        # A task cancelled before its first step never enters _work's ``finally``.
        if self._workers.get(sender) is task:
            self._end(sender, self._queues[sender], unfinished=len(self._queues[sender]))

    def _end(self, sender: str, queue: deque[T], unfinished: int) -> None:
        if unfinished:  # cancelled (server shutdown): say what was lost rather than lose it silently
            logger.warning("turns cancelled for sender %s: %d accepted turns not finished", sender, unfinished)
        del self._queues[sender], self._workers[sender]

    def _forget_idle(self, now: float) -> None:
        # A bucket untouched for burst/rate seconds is full again, the same as no bucket: drop it.
        # Sweeping once per that interval keeps this O(1) per submit on average.
        if now < self._next_sweep:
            return
        horizon = now - self._refill_seconds
        self._buckets = {s: b for s, b in self._buckets.items() if b.stamp > horizon}
        self._next_sweep = now + self._refill_seconds
