"""Deliver the outbox's requests to the service desk: backoff with jitter, Retry-After, no duplicates.

Runs as a thread in the action server (``OutboxWorker.start``) or as its own process
(``python -m bot.servicedesk worker``); several may run against one outbox.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bot.config import POSITIVE_SECONDS, Setting, count
from bot.periodic import Periodic
from bot.servicedesk.base import ServiceDesk
from bot.servicedesk.errors import RejectedData, ServiceDeskError, ServiceDeskUnavailable, Unsupported
from bot.servicedesk.http import Settings
from bot.servicedesk.models import TicketRef
from bot.servicedesk.outbox import Entry, Outbox

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    """Attempt n waits about base * 2**(n-1) seconds (half fixed, half random), at most ``cap``."""

    base: float = 2.0
    cap: float = 600.0
    max_attempts: int = 25  # about three and a half hours of retrying with the defaults
    idle_poll: float = 1.0  # how often an idle worker looks for due requests

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> RetryPolicy:
        """The policy RETRY_SETTINGS declare; ConfigError names a bad one."""
        s = Settings(env, RETRY_SETTINGS, "ASKIT_OUTBOX")
        return cls(base=s["BACKOFF_BASE"], cap=s["BACKOFF_CAP"], max_attempts=s["MAX_ATTEMPTS"], idle_poll=s["POLL"])

    def delay(self, attempts: int, retry_after: float | None, rand: Callable[[], float] = random.random) -> float:
        ceiling = min(self.cap, self.base * 2 ** max(0, attempts - 1))
        backoff = ceiling / 2 + rand() * ceiling / 2
        return max(backoff, min(retry_after or 0.0, self.cap))


RETRY_SETTINGS = (
    Setting(
        "ASKIT_OUTBOX_BACKOFF_BASE",
        POSITIVE_SECONDS,
        "backoff: attempt n waits about base x 2^(n-1) seconds",
        default=f"{RetryPolicy.base:g}",
    ),
    Setting(
        "ASKIT_OUTBOX_BACKOFF_CAP",
        POSITIVE_SECONDS,
        "backoff: at most this many seconds",
        default=f"{RetryPolicy.cap:g}",
    ),
    Setting(
        "ASKIT_OUTBOX_MAX_ATTEMPTS",
        count("attempts"),
        "attempts before a request is parked as dead",
        default=str(RetryPolicy.max_attempts),
    ),
    Setting(
        "ASKIT_OUTBOX_POLL",
        POSITIVE_SECONDS,
        "seconds between an idle worker's looks for due requests",
        default=f"{RetryPolicy.idle_poll:g}",
    ),
)


class OutboxWorker:
    def __init__(
        self,
        outbox: Outbox,
        desk: ServiceDesk,
        policy: RetryPolicy = RetryPolicy(),
        on_settled: Callable[[Entry], None] | None = None,
    ) -> None:
        """``on_settled``: called with each request that was delivered or parked, to tell its user."""
        self.outbox, self.desk, self.policy, self.on_settled = outbox, desk, policy, on_settled
        # e.g. the outbox file is locked: the loop logs it and lives on
        self._loop = Periodic("outbox-worker", self.deliver_due, policy.idle_poll)

    def nudge(self) -> None:
        """A new request is waiting: look now rather than at the next poll."""
        self._loop.nudge()

    def deliver_due(self) -> int:
        """Deliver every request that is due now; returns how many were attempted."""
        attempted = 0
        while not self._loop.stopping and (entry := self.outbox.claim()) is not None:
            self.deliver(entry)
            attempted += 1
        return attempted

    def deliver(self, entry: Entry) -> None:
        try:
            ticket = self._existing(entry) or self.desk.create_ticket(entry.request)
        except RejectedData as exc:
            logger.error("ticket %s parked: the desk refused it: %s", entry.receipt, exc)
            self.outbox.park(entry.correlation_id, f"rejected: {exc}")
            self._settled(entry)
            return
        except Exception as exc:  # any failure, even an adapter bug, is retried: never lost
            self._failed(entry, exc)
            return
        self.outbox.mark_delivered(entry.correlation_id, ticket)
        logger.info("ticket %s delivered as %s after %d attempt(s)", entry.receipt, ticket.ref, entry.attempts)
        self._settled(entry)

    def _settled(self, entry: Entry) -> None:
        if self.on_settled is not None:
            try:
                self.on_settled(entry)
            except Exception:  # telling the user is best effort: they also hear on their next message
                logger.exception("ticket %s: could not tell the user", entry.receipt)

    def _existing(self, entry: Entry) -> TicketRef | None:
        """After an attempt with an unknown outcome, the ticket that attempt may have made."""
        if entry.attempts <= 1:
            return None
        try:
            return self.desk.find_by_correlation(entry.correlation_id)
        except Unsupported:
            return None

    def _failed(self, entry: Entry, exc: Exception) -> None:
        error = f"{type(exc).__name__}: {exc}"
        if not isinstance(exc, ServiceDeskError):
            logger.exception("ticket %s: unexpected error from the %s adapter", entry.receipt, self.desk.name)
        if entry.attempts >= self.policy.max_attempts:
            logger.error("ticket %s parked after %d attempts: %s", entry.receipt, entry.attempts, error)
            self.outbox.park(entry.correlation_id, error)
            self._settled(entry)
            return
        retry_after = exc.retry_after if isinstance(exc, ServiceDeskUnavailable) else None
        wait = self.policy.delay(entry.attempts, retry_after)
        logger.warning("ticket %s attempt %d failed (%s); next in %.1f s", entry.receipt, entry.attempts, error, wait)
        self.outbox.retry_later(entry.correlation_id, error, time.time() + wait)

    def run(self) -> None:
        """Deliver until stopped, in this thread (``python -m bot.servicedesk worker``)."""
        self._loop.run()

    def start(self) -> OutboxWorker:
        self._loop.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._loop.stop(timeout)
