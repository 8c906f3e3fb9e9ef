"""Poll each configured feed from a daemon thread of the action server and write what it says into
the incident store: a new incident is created, a change makes one new version, an incident the feed
no longer lists is resolved once (of two servers polling at once, one resolves it).

A poll that fails (the feed unreachable, an error status, an answer that is not the feed's format,
the database) changes nothing: the last known state stays, nothing is resolved for being missing
from an answer that never came. The failure is logged once, the next polls back off as the outbox
does (bot/servicedesk/worker.py, honouring Retry-After), and the recovery is logged once. An entry
that cannot be read is left out and logged once while it stays so; the feed's others are kept.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot import sql
from bot.config import ConfigurationError, read_settings, shown_path
from bot.identity import load_tenants
from bot.incidents.errors import IncidentResolved, InvalidIncident
from bot.incidents.feeds.base import Feed, Listing
from bot.incidents.feeds.config import FEEDS_SETTING, SETTINGS, FeedSettings, load_feeds
from bot.incidents.feeds.servicenow import ServiceNowMajorIncidents
from bot.incidents.feeds.statuspage import StatuspageFeed
from bot.incidents.models import RESOLVED, Incident
from bot.incidents.store import IncidentStore
from bot.paths import TENANTS_CONFIG
from bot.secret import redact
from bot.servicedesk.errors import ConfigError, ServiceDeskError, ServiceDeskUnavailable
from bot.servicedesk.http import DESK_TIMEOUT
from bot.servicedesk.worker import RetryPolicy

logger = logging.getLogger(__name__)

MAX_BACKOFF = 600.0  # a feed down for long is still asked every ten minutes
NO_ID = "(no readable id)"


@dataclass(frozen=True)
class PollOutcome:
    """What one poll did. Not ``ok``: nothing was learnt, nothing changed; ``retry_after``: seconds
    the feed asked us to wait."""

    ok: bool
    created: int = 0
    updated: int = 0
    resolved: int = 0
    skipped: int = 0
    retry_after: float | None = None


class FeedPoller:
    """One feed written into one store. ``poll_once`` is a whole poll (tests call it); ``start``
    runs it from a daemon thread every ``poll_seconds``, backing off while it fails."""

    def __init__(self, feed: Feed, settings: FeedSettings, store: IncidentStore) -> None:
        self.feed, self.settings, self.store = feed, settings, store
        self.backoff = RetryPolicy(base=settings.poll_seconds, cap=max(MAX_BACKOFF, settings.poll_seconds))
        self.failures = 0  # polls failed in a row
        self._skipped: dict[str, str] = {}  # entries left out at the last poll (logged): id -> why
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        return f"FeedPoller({self.feed!r})"

    def poll_once(self, now: float) -> PollOutcome:
        """Ask the feed once and write what it says (``now``: seconds since the epoch). Never raises."""
        try:
            outcome = self._apply(self.feed.fetch(), now)
        except Exception as exc:  # even an adapter's bug: the thread polls on, the state stays
            return self._failed(exc)
        if self.failures:
            logger.info("incident feed %s answers again, after %d failed poll(s)", self.settings.name, self.failures)
            self.failures = 0
        return outcome

    def _apply(self, listing: Listing, now: float) -> PollOutcome:
        source, prefix = self.feed.source, self.settings.prefix
        active = {
            i.source_id: i
            for i in self.store.listed()
            if i.source == source and i.source_id is not None and i.source_id.startswith(prefix)
        }
        created = updated = 0
        problems = {e.id or NO_ID: e.problem for e in listing.unreadable}
        for incident in listing.incidents:
            if incident.status == RESOLVED and prefix + incident.id not in active:
                continue  # over before we saw it, or resolved here already: nothing to tell anyone
            try:
                stored, changed = self.store.upsert_from_feed(
                    source, prefix + incident.id, self.settings.fields(incident), now
                )
            except InvalidIncident as exc:
                problems[incident.id] = str(exc)
                continue
            if changed and stored.version == 1:
                created += 1
            elif changed:
                updated += 1
        self._log_skipped(problems)
        listed = listing.listed_ids()
        gone = [] if listed is None else [i for sid, i in active.items() if sid[len(prefix) :] not in listed]
        resolved = sum(self._resolve(incident, now) for incident in gone)
        return PollOutcome(True, created, updated, resolved, len(problems))

    def _resolve(self, incident: Incident, now: float) -> bool:
        try:
            self.store.resolve(incident.id, now=now)
        except IncidentResolved:  # another server's poll (or an agent) resolved it a moment ago
            return False
        logger.info(
            "incident feed %s: %s (%s) resolved: the feed no longer lists it",
            self.settings.name,
            incident.id,
            incident.source_id,
        )
        return True

    def _log_skipped(self, problems: dict[str, str]) -> None:
        for key, problem in problems.items():
            if self._skipped.get(key) != problem:
                logger.warning(
                    "incident feed %s: entry %s left out, the others kept (logged once while it stays so): %s",
                    self.settings.name,
                    key,
                    redact(problem),
                )
        self._skipped = problems

    def _failed(self, exc: Exception) -> PollOutcome:
        self.failures += 1
        known = isinstance(exc, ServiceDeskError | sql.DatabaseError)
        if self.failures == 1:
            logger.error(
                "incident feed %s cannot be read; its incidents stay as they are until it answers again"
                " (retrying with backoff; logged once): %s",
                self.settings.name,
                redact(str(exc)) if known else f"unexpected {type(exc).__name__}",
                exc_info=not known,
            )
        else:
            logger.debug("incident feed %s: %d polls in a row failed", self.settings.name, self.failures)
        wait = exc.retry_after if isinstance(exc, ServiceDeskUnavailable) else None
        return PollOutcome(False, retry_after=wait)

    def wait_after(self, outcome: PollOutcome) -> float:
        """Seconds until the next poll: the feed's interval, or the backoff while it fails."""
        if outcome.ok:
            return self.settings.poll_seconds
        return self.backoff.delay(self.failures, outcome.retry_after)

    def run(self) -> None:
        while not self._stop.is_set():
            self._stop.wait(self.wait_after(self.poll_once(time.time())))

    def start(self) -> FeedPoller:
        self._thread = threading.Thread(target=self.run, name=f"incident-feed-{self.settings.name}", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)


class IncidentFeeds:
    """The configured feeds: checked and built from configuration at start-up (``from_env``, with
    the other files, before the index and the model load), polled once the store is open (``start``)."""

    def __init__(self, feeds: Sequence[tuple[FeedSettings, Feed]]) -> None:
        self.feeds = list(feeds)
        self.pollers: list[FeedPoller] = []

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ, tenants_file: Path = TENANTS_CONFIG) -> IncidentFeeds:
        """The feeds ASKIT_INCIDENT_FEEDS_FILE declares; ConfigurationError (a ConfigError for a
        desk's setting) names the file or the variable, and the field."""
        values = read_settings(env, (*SETTINGS, DESK_TIMEOUT))
        path: Path = values[FEEDS_SETTING]
        timeout = float(values[DESK_TIMEOUT.name])
        built = []
        for i, settings in enumerate(load_feeds(path, load_tenants(tenants_file).ids)):
            built.append((settings, _feed(settings, env, timeout, f"{shown_path(path)}: feeds[{i}]")))
        return cls(built)

    def start(self, store: IncidentStore | None) -> IncidentFeeds:
        """Poll each feed into ``store`` (None: no store, so no feeds) from a thread of its own."""
        if store is None:
            return self
        for settings, feed in self.feeds:
            self.pollers.append(FeedPoller(feed, settings, store).start())
            logger.info("incident feed %s (%r) polled every %g s", settings.name, feed, settings.poll_seconds)
        return self

    def stop(self) -> None:
        for poller in self.pollers:
            poller.stop()


def _feed(settings: FeedSettings, env: Mapping[str, str], timeout: float, where: str) -> Feed:
    if settings.kind == "statuspage":
        if settings.url is None:
            raise ConfigurationError(f"{where}.url: is missing")
        return StatuspageFeed.at(settings.name, settings.url, timeout)
    try:
        return ServiceNowMajorIncidents.from_env(settings.name, env)
    except ConfigError as exc:
        raise ConfigError(f"{where}: a servicenow feed reads the desk's settings: {exc}") from None
