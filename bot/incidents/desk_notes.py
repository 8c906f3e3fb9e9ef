"""Name each person who said "I'm affected too" on their incident's master ticket at the desk (the
incident's ``desk_ref``): a comment per batch, never a new ticket.

The incident store holds who is still to be named (bot/incidents/store.py ``to_note``): a worker
takes up to ``BATCH`` of one incident, holding them so no other worker does, writes one comment,
then marks them named. A desk that is down (or a ``desk_ref`` it does not know) delays the
comment, with the outbox's backoff (bot/servicedesk/worker.py RetryPolicy), and is logged once per
incident until it works again, not once per attempt. A worker killed between the desk's answer and
the mark leaves its people held, and after ``HOLD`` seconds they are named again: that window is
the only way a person is named twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Sequence

from bot.incidents.models import Affected, Incident
from bot.incidents.store import IncidentStore
from bot.servicedesk.base import ServiceDesk
from bot.servicedesk.errors import ServiceDeskUnavailable
from bot.servicedesk.worker import RetryPolicy

logger = logging.getLogger(__name__)

BATCH = 50  # people named in one comment at most
HOLD = 120.0  # seconds a worker holds the people it is naming
DEFAULT_POLICY = RetryPolicy()


def comment(incident: Incident, people: Sequence[Affected], total: int) -> str:
    """The comment that names ``people`` on the master ticket."""
    more = "member of staff says they are" if len(people) == 1 else "members of staff say they are"
    lines = [f"AskIT: {len(people)} more {more} affected by {incident.title!r} (AskIT {incident.id}, {total} in all):"]
    for person in people:
        who = " ".join(part for part in (person.name, f"<{person.email}>" if person.email else None) if part)
        when = dt.datetime.fromtimestamp(person.at, dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        lines.append(
            f"- {who or person.user_key}, {person.council or 'council not known'}, via {person.channel}, {when}"
        )
    return "\n".join(lines)


class DeskNotes:
    def __init__(
        self,
        store: IncidentStore,
        desk: ServiceDesk,
        policy: RetryPolicy = DEFAULT_POLICY,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store, self.desk, self.policy, self.clock = store, desk, policy, clock
        self._failing: dict[str, int] = {}  # incident id -> attempts that failed in a row

    def note_due(self) -> int:
        """Write every comment that is due now; returns how many people they named."""
        named = 0
        while (taken := self.store.to_note(self.clock(), HOLD, BATCH)) is not None:
            incident, people, total = taken
            if self.note(incident, people, total):
                named += len(people)
        return named

    def note(self, incident: Incident, people: Sequence[Affected], total: int) -> bool:
        assert incident.desk_ref is not None  # to_note only takes incidents with a master ticket
        try:
            self.desk.add_comment(incident.desk_ref, comment(incident, people, total))
        except Exception as exc:  # any failure, even an adapter bug, is tried again: nobody is dropped
            attempts = self._failing[incident.id] = self._failing.get(incident.id, 0) + 1
            retry_after = exc.retry_after if isinstance(exc, ServiceDeskUnavailable) else None
            wait = self.policy.delay(attempts, retry_after)
            if attempts == 1:
                logger.error(
                    "incident %s: cannot comment on its master ticket %s at the %s desk (%s: %s); trying again",
                    incident.id,
                    incident.desk_ref,
                    self.desk.name,
                    type(exc).__name__,
                    exc,
                )
            self.store.note_later(incident.id, people, self.clock() + wait)
            return False
        self.store.noted(incident.id, people, self.clock())
        if self._failing.pop(incident.id, 0):
            logger.info("incident %s: its master ticket %s takes comments again", incident.id, incident.desk_ref)
        return True
