"""Affected people named on their incident's master ticket (bot/incidents/desk_notes.py) in the
built-in local desk: one comment per batch, never a new ticket; each person once, however often
they press, however many workers run; a desk that is down delays them (logged once), never drops."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from bot.incidents.desk_notes import BATCH, DeskNotes
from bot.incidents.store import IncidentStore
from bot.requester import Requester
from bot.servicedesk.errors import ServiceDeskUnavailable, TicketNotFound
from bot.servicedesk.local import LocalServiceDesk
from bot.servicedesk.models import TicketRef, TicketRequest
from bot.servicedesk.worker import RetryPolicy
from tests import races
from tests.incidents.conftest import MINUTE, T0, declared

POLICY = RetryPolicy(base=10.0, cap=60.0)


def master(desk: LocalServiceDesk) -> TicketRef:
    request = TicketRequest(
        summary="MI: CRM down", description="Major incident.", requester=Requester("desk-lead"),
        category="incident", priority="P1", resolver_group="Service Desk", correlation_id="mi-crm",
    )  # fmt: skip
    return desk.create_ticket(request)


def staff(n: int, council: str = "riverside") -> Requester:
    return Requester(f"aad-{n}", email=f"person{n}@{council}.gov.uk", name=f"Person {n}", tenant=council)


def named(desk: LocalServiceDesk) -> list[str]:
    """Everyone named on the master ticket, each time they were named."""
    comments = [c["body"] for t in desk.all_tickets() for c in t["comments"]]
    return [who for body in comments for who in re.findall(r"^- Person (\d+) ", body, re.MULTILINE)]


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def desk(tmp_path: Path) -> LocalServiceDesk:
    return LocalServiceDesk(tmp_path / "desk.sqlite")


def test_each_affected_person_is_named_once_on_the_master_ticket_and_no_ticket_is_made(
    store: IncidentStore, desk: LocalServiceDesk
) -> None:
    ref = master(desk).ref
    incident = declared(store, desk_ref=ref)
    for n in range(3):
        for _ in range(4):  # pressed four times: counted, and named, once
            store.affected(incident.id, staff(n), "webchat", T0 + n)
    notes = DeskNotes(store, desk, POLICY, Clock(T0 + MINUTE))
    assert notes.note_due() == 3 and notes.note_due() == 0
    [ticket] = desk.all_tickets()  # the master alone: no new ticket
    [comment] = ticket["comments"]
    assert comment["body"].startswith(
        f"AskIT: 3 more members of staff say they are affected by 'VPN unavailable' (AskIT {incident.id}, 3 in all):"
    )
    assert "- Person 0 <person0@riverside.gov.uk>, riverside, via webchat, 2026-11-30 00:53 UTC" in comment["body"]
    store.affected(incident.id, staff(7), "teams", T0 + 2 * MINUTE)
    assert notes.note_due() == 1 and named(desk) == ["0", "1", "2", "7"]
    assert [a.noted_at for a in store.affected_users(incident.id)] == [T0 + MINUTE] * 3 + [T0 + MINUTE]


def test_an_incident_without_a_master_ticket_only_counts(store: IncidentStore, desk: LocalServiceDesk) -> None:
    incident = declared(store)
    store.affected(incident.id, staff(1), "webchat", T0)
    assert DeskNotes(store, desk, POLICY, Clock(T0)).note_due() == 0 and desk.all_tickets() == []


def test_many_affected_are_named_in_batches(store: IncidentStore, desk: LocalServiceDesk) -> None:
    incident = declared(store, desk_ref=master(desk).ref)
    for n in range(BATCH + 20):
        store.affected(incident.id, staff(n), "webchat", T0 + n)
    assert DeskNotes(store, desk, POLICY, Clock(T0 + 2 * BATCH)).note_due() == BATCH + 20
    [ticket] = desk.all_tickets()
    assert [len(c["body"].splitlines()) - 1 for c in ticket["comments"]] == [BATCH, 20]
    assert sorted(map(int, named(desk))) == list(range(BATCH + 20))


class DownFor(LocalServiceDesk):
    """The local desk, refusing the first ``failures`` comments as ``error`` does."""

    def __init__(self, path: Path, failures: int, error: Exception) -> None:
        super().__init__(path)
        self.failures, self.error, self.attempts = failures, error, 0

    def add_comment(self, ref: str, text: str) -> None:
        self.attempts += 1
        if self.attempts <= self.failures:
            raise self.error
        super().add_comment(ref, text)


@pytest.mark.parametrize(
    "error", [ServiceDeskUnavailable("the desk answered 503"), TicketNotFound("INC0000042"), KeyError("adapter bug")]
)
def test_a_desk_that_is_down_delays_the_comment_logs_once_and_drops_nobody(
    store: IncidentStore, tmp_path: Path, caplog: pytest.LogCaptureFixture, error: Exception
) -> None:
    down = DownFor(tmp_path / "desk.sqlite", failures=3, error=error)
    incident = declared(store, desk_ref=master(down).ref)
    store.affected(incident.id, staff(1), "webchat", T0)
    clock = Clock(T0)
    notes = DeskNotes(store, down, POLICY, clock)
    with caplog.at_level(logging.INFO, logger="bot.incidents.desk_notes"):
        for _ in range(3):
            assert notes.note_due() == 0
            assert notes.note_due() == 0  # held until its backoff is over: not tried again at once
            clock.now += POLICY.cap + 1
        assert notes.note_due() == 1
    assert down.attempts == 4 and named(down) == ["1"]
    failures = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(failures) == 1 and incident.id in failures[0].getMessage()
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.INFO] == [
        f"incident {incident.id}: its master ticket {incident.desk_ref} takes comments again"
    ]


def test_two_workers_at_once_name_each_person_once(location: str, tmp_path: Path) -> None:
    desk = LocalServiceDesk(tmp_path / "desk.sqlite")
    store = IncidentStore.open(location)
    incident = declared(store, desk_ref=master(desk).ref)
    for n in range(2 * BATCH):
        store.affected(incident.id, staff(n), "webchat", T0 + n)
    results = races.together(
        lambda: DeskNotes(IncidentStore.open(location), desk, POLICY, Clock(T0 + 3 * BATCH)),
        *[lambda notes: notes.note_due()] * 2,
    )
    assert sum(races.returned(results)) == 2 * BATCH
    assert sorted(map(int, named(desk))) == list(range(2 * BATCH))
