"""Feeds written into the incident store (bot/incidents/feeds/poller.py), against a Statuspage page
and a ServiceNow instance on loopback: an incident is created once, a change makes one version, an
incident no longer listed is resolved once; a feed that is down or answers garbage keeps the last
known state, is logged once and its recovery once; two servers polling at once make one incident
and one resolution; the desk's credentials never show."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.incidents.feeds.config import FeedSettings, Scope
from bot.incidents.feeds.poller import MAX_BACKOFF, FeedPoller, IncidentFeeds, PollOutcome
from bot.incidents.feeds.servicenow import ServiceNowMajorIncidents
from bot.incidents.feeds.statuspage import StatuspageFeed
from bot.incidents.models import Incident
from bot.incidents.store import IncidentStore
from tests import races
from tests.incidents.conftest import MINUTE, T0
from tests.incidents.feeds.fake_statuspage import OPENED, FakeStatuspage
from tests.servicedesk.fake_servicenow import PASSWORD, TOKEN, USER, FakeServiceNow
from tests.servicedesk.fakedesk import RETRY_AFTER, Failure, Reply
from tests.waiting import wait_until

TIMEOUT = 0.5  # seconds the feeds wait for an answer: a "timeout" answers after FakeDesk.hang (2 s)
POLLS = 4  # polls of a feed that is down: its error is logged at the first only
SUPPLIERS = FeedSettings(
    "suppliers",
    "statuspage",
    services={"email": Scope(("riverside",), ("my email is slow", "emails are not arriving"))},
)
MAJOR = FeedSettings("major", "servicenow")


@pytest.fixture
def page() -> Iterator[FakeStatuspage]:
    fake = FakeStatuspage().start()
    yield fake
    fake.stop()


@pytest.fixture
def desk() -> Iterator[FakeServiceNow]:
    fake = FakeServiceNow().start()
    yield fake
    fake.stop()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> IncidentStore:
    return IncidentStore.open(tmp_path / "askit.sqlite")


def statuspage_poller(page: FakeStatuspage, store: IncidentStore) -> FeedPoller:
    return FeedPoller(StatuspageFeed.at("suppliers", page.url, TIMEOUT), SUPPLIERS, store)


def servicenow_poller(desk: FakeServiceNow, store: IncidentStore) -> FeedPoller:
    env = {
        "ASKIT_SERVICENOW_URL": desk.url,
        "ASKIT_SERVICENOW_USER": USER,
        "ASKIT_SERVICENOW_PASSWORD": PASSWORD,
        "ASKIT_DESK_TIMEOUT": str(TIMEOUT),
    }
    return FeedPoller(ServiceNowMajorIncidents.from_env("major", env), MAJOR, store)


def polled(poller: FeedPoller, minute: int) -> PollOutcome:
    return poller.poll_once(T0 + minute * MINUTE)


def only(store: IncidentStore) -> Incident:
    [incident] = store.listed(resolved=True)
    return incident


def test_a_page_s_incident_is_created_once_changed_once_per_change_and_resolved_once(
    page: FakeStatuspage, store: IncidentStore
) -> None:
    poller = statuspage_poller(page, store)
    opened = page.open("Email delays", "Emails arrive late.", components=["Email"])
    assert polled(poller, 1) == PollOutcome(True, created=1)
    incident = only(store)
    assert (incident.source, incident.source_id, incident.version) == ("statuspage", f"suppliers/{opened['id']}", 1)
    assert (incident.title, incident.summary, incident.status) == (
        "Email delays",
        "Emails arrive late.",
        "investigating",
    )
    assert incident.councils == ("riverside",) and incident.questions == ("my email is slow", "emails are not arriving")
    assert incident.services == ("Email",) and incident.started_at == dt.datetime.fromisoformat(OPENED).timestamp()

    assert [polled(poller, m) for m in (2, 3)] == [PollOutcome(True)] * 2  # nothing new: no new version
    assert only(store).version == 1

    page.post(opened["id"], "identified", "A faulty relay; a fix is on its way.")
    assert polled(poller, 4) == PollOutcome(True, updated=1)
    assert polled(poller, 5) == PollOutcome(True)
    changed = only(store)
    assert (changed.version, changed.status, changed.summary) == (
        2,
        "identified",
        "A faulty relay; a fix is on its way.",
    )

    page.post(opened["id"], "resolved", "Fixed.")  # off the unresolved list
    assert polled(poller, 6) == PollOutcome(True, resolved=1)
    assert polled(poller, 7) == PollOutcome(True)
    resolved = only(store)
    assert (resolved.version, resolved.status, resolved.resolved_at) == (3, "resolved", T0 + 6 * MINUTE)
    assert [(c.version, c.status) for c in store.changes_after(resolved.id, 0)] == [
        (1, "investigating"),
        (2, "identified"),
        (3, "resolved"),
    ]


def test_an_agent_s_edit_stands_and_a_resolved_incident_stays_resolved(
    page: FakeStatuspage, sqlite_store: IncidentStore
) -> None:
    store, poller = sqlite_store, statuspage_poller(page, sqlite_store)
    opened = page.open("Email delays", "Emails arrive late.")
    polled(poller, 1)
    incident = store.update(only(store).id, 1, now=T0 + 2 * MINUTE, workaround="Use webmail meanwhile.")
    assert polled(poller, 3) == PollOutcome(True) and only(store) == incident
    store.resolve(incident.id, now=T0 + 4 * MINUTE, text="Fixed, says the supplier's engineer.")
    page.post(opened["id"], "monitoring", "Watching it.")  # the page is slower than the agent
    assert polled(poller, 5) == PollOutcome(True)
    assert (only(store).status, only(store).version) == ("resolved", 3)


def test_two_pages_of_one_kind_keep_to_their_own_incidents(page: FakeStatuspage, sqlite_store: IncidentStore) -> None:
    other = FakeStatuspage().start()
    try:
        page.open("Email delays", "Emails arrive late.")
        ours = statuspage_poller(page, sqlite_store)
        theirs = FeedPoller(
            StatuspageFeed.at("other", other.url, TIMEOUT), FeedSettings("other", "statuspage"), sqlite_store
        )
        polled(ours, 1)
        assert polled(theirs, 2) == PollOutcome(True)  # its page lists nothing: ours is not its to resolve
        assert only(sqlite_store).is_active
    finally:
        other.stop()


def test_a_desk_s_major_incidents_are_created_changed_and_resolved_once(
    desk: FakeServiceNow, sqlite_store: IncidentStore
) -> None:
    store, poller = sqlite_store, servicenow_poller(desk, sqlite_store)
    email = desk.add_major_incident("Email delayed", "Messages arrive late.", service="Email")
    crm = desk.add_major_incident("CRM unavailable", "The CRM will not load.", ci="crm-prod")
    assert polled(poller, 1) == PollOutcome(True, created=2)
    assert polled(poller, 2) == PollOutcome(True)
    by_ref = {i.desk_ref: i for i in store.listed()}
    assert set(by_ref) == {email["number"], crm["number"]}
    assert (by_ref[email["number"]].source, by_ref[email["number"]].source_id) == ("desk", f"major/{email['number']}")
    assert by_ref[crm["number"]].councils == ("all",) and by_ref[crm["number"]].questions == ("CRM unavailable",)

    email["description"] = "Messages arrive late; a fix is being tested."
    assert polled(poller, 3) == PollOutcome(True, updated=1)
    email["state"] = "6"  # resolved: no longer active
    crm["major_incident_state"] = "canceled"  # demoted: no longer a major incident
    assert polled(poller, 4) == PollOutcome(True, resolved=2)
    assert polled(poller, 5) == PollOutcome(True)
    resolved = {i.desk_ref: (i.status, i.version) for i in store.listed(resolved=True)}
    assert resolved == {email["number"]: ("resolved", 3), crm["number"]: ("resolved", 2)}


FAILURES: dict[str, Failure] = {
    "500": 500,
    "503 with Retry-After": 503,
    "429": 429,
    "401": 401,
    "404": 404,
    "timeout": "timeout",
    "cut JSON": "malformed",
    "HTML": Reply(200, b"<!DOCTYPE html><html><body>Your instance is hibernating</body></html>"),
    "garbage": Reply(200, b"\x00\xff garbage"),
    "JSON not a feed": Reply(200, {"status": "ok"}),
    "a list for the incidents": Reply(200, {"incidents": {"p1": {}}, "result": {"INC1": {}}}),
}
FEEDS: dict[str, Callable[[FakeStatuspage, FakeServiceNow, IncidentStore], tuple[FeedPoller, Callable[[], None]]]] = {
    "statuspage": lambda page, desk, store: (
        statuspage_poller(page, store),
        lambda: page.post(page.open("Email delays", "Emails arrive late.")["id"], "resolved", "Fixed."),
    ),
    "servicenow": lambda page, desk, store: (
        servicenow_poller(desk, store),
        lambda: desk.add_major_incident("Email delayed", "Late.").update(state="7"),
    ),
}


@pytest.mark.parametrize("kind", FEEDS)
@pytest.mark.parametrize("failure", FAILURES)
def test_a_feed_that_fails_keeps_the_last_state_and_is_logged_once_and_its_recovery_once(
    kind: str,
    failure: str,
    page: FakeStatuspage,
    desk: FakeServiceNow,
    sqlite_store: IncidentStore,
    caplog: pytest.LogCaptureFixture,
) -> None:
    poller, resolve_one = FEEDS[kind](page, desk, sqlite_store)
    fake = page if kind == "statuspage" else desk
    resolve_one()  # the feed lists one incident ...
    assert polled(poller, 1) == PollOutcome(True, created=0)
    (page.open("VPN down", "No VPN.") if kind == "statuspage" else desk.add_major_incident("VPN down"))
    assert polled(poller, 2) == PollOutcome(True, created=1)
    before = only(sqlite_store)
    caplog.set_level(logging.INFO)
    fake.outage = FAILURES[failure]
    outcomes = [polled(poller, 3 + n) for n in range(POLLS)]
    assert all(not o.ok for o in outcomes) and only(sqlite_store) == before  # nothing resolved, nothing changed
    assert outcomes[0].retry_after == (float(RETRY_AFTER) if failure in ("503 with Retry-After", "429") else None)
    errors = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(errors) == 1 and f"incident feed {poller.settings.name} cannot be read" in errors[0].getMessage()
    assert "Traceback" not in caplog.text  # a feed's failure is not a bug

    fake.outage = None
    assert polled(poller, 10) == PollOutcome(True)
    assert polled(poller, 11) == PollOutcome(True)
    recovered = [
        r.getMessage()
        for r in caplog.records
        if r.getMessage().startswith("incident feed major answers")
        or r.getMessage().startswith("incident feed suppliers answers")
    ]
    assert recovered == [f"incident feed {poller.settings.name} answers again, after {POLLS} failed poll(s)"]
    assert len([r for r in caplog.records if r.levelno >= logging.WARNING]) == 1


@pytest.mark.parametrize("kind", FEEDS)
def test_a_feed_that_refuses_connections_keeps_the_last_state(
    kind: str, page: FakeStatuspage, desk: FakeServiceNow, sqlite_store: IncidentStore, caplog: pytest.LogCaptureFixture
) -> None:
    poller, _ = FEEDS[kind](page, desk, sqlite_store)
    (page.open("VPN down", "No VPN.") if kind == "statuspage" else desk.add_major_incident("VPN down"))
    polled(poller, 1)
    before = only(sqlite_store)
    (page if kind == "statuspage" else desk).stop()  # its port closes
    poller, _ = FEEDS[kind](page, desk, sqlite_store)  # a server started since: no connection kept alive
    assert [polled(poller, 2 + n).ok for n in range(POLLS)] == [False] * POLLS
    assert only(sqlite_store) == before
    [error] = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert "failed: ConnectionError" in error


def test_while_failing_the_polls_back_off_and_after_recovery_keep_their_interval(
    page: FakeStatuspage, sqlite_store: IncidentStore
) -> None:
    poller = statuspage_poller(page, sqlite_store)
    interval = poller.settings.poll_seconds
    page.outage = 500
    waits = [poller.wait_after(polled(poller, n)) for n in range(1, 6)]
    for n, wait in enumerate(waits):  # about interval x 2^n, half fixed, half random, at most MAX_BACKOFF
        ceiling = min(MAX_BACKOFF, interval * 2**n)
        assert ceiling / 2 <= wait <= ceiling
    assert waits[-1] >= MAX_BACKOFF / 2
    page.outage = 503
    assert poller.wait_after(polled(poller, 6)) >= float(RETRY_AFTER)
    page.outage = None
    assert poller.wait_after(polled(poller, 7)) == interval and poller.failures == 0


def test_one_bad_incident_is_left_out_logged_once_and_not_resolved(
    page: FakeStatuspage, sqlite_store: IncidentStore, caplog: pytest.LogCaptureFixture
) -> None:
    poller = statuspage_poller(page, sqlite_store)
    good = page.open("Email delays", "Emails arrive late.")
    bad = page.open("VPN down", "No VPN.")
    assert polled(poller, 1) == PollOutcome(True, created=2)
    bad["created_at"], bad["name"] = "soon", "VPN down everywhere"  # the page breaks one entry
    page.post(good["id"], "identified", "Found it.")
    outcomes = [polled(poller, 2 + n) for n in range(POLLS)]
    assert outcomes == [PollOutcome(True, updated=1, skipped=1)] + [PollOutcome(True, skipped=1)] * (POLLS - 1)
    assert sorted((i.title, i.status) for i in sqlite_store.listed()) == [
        ("Email delays", "identified"),
        ("VPN down", "investigating"),  # as it last was: still listed, so not resolved
    ]
    [warning] = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert warning.startswith(f"incident feed suppliers: entry {bad['id']} left out, the others kept")
    assert warning.endswith("created_at: is not a time: 'soon'")

    bad["created_at"] = "2026-11-30T08:20:00Z"  # mended
    assert polled(poller, 10) == PollOutcome(True, updated=1)


def test_an_entry_without_an_id_resolves_nothing_that_poll(page: FakeStatuspage, sqlite_store: IncidentStore) -> None:
    poller = statuspage_poller(page, sqlite_store)
    page.open("Email delays", "Emails arrive late.")
    polled(poller, 1)
    page.incidents[0]["id"] = None  # it might be ours: we cannot tell
    assert polled(poller, 2) == PollOutcome(True, skipped=1)
    assert only(sqlite_store).is_active


def test_a_poll_of_an_incident_that_is_too_short_to_match_on_leaves_it_out(
    page: FakeStatuspage, sqlite_store: IncidentStore
) -> None:
    poller = statuspage_poller(page, sqlite_store)
    page.open("Up", "Something.")  # its title is its only question, and shorter than a question may be
    assert polled(poller, 1) == PollOutcome(True, skipped=1) and sqlite_store.listed() == []


def test_the_desk_s_credentials_never_show_in_logs_or_repr(
    desk: FakeServiceNow, sqlite_store: IncidentStore, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    poller = servicenow_poller(desk, sqlite_store)
    for failure in (Reply(500, {"error": {"message": f"bad login {USER}:{PASSWORD}"}}), 401, "malformed"):
        desk.outage = failure
        polled(poller, 1)
    desk.outage = None
    polled(poller, 2)
    env = {"ASKIT_SERVICENOW_URL": desk.url, "ASKIT_SERVICENOW_TOKEN": TOKEN}
    token_poller = FeedPoller(ServiceNowMajorIncidents.from_env("major", env), MAJOR, sqlite_store)
    desk.outage = 401
    polled(token_poller, 3)
    shown = caplog.text + repr(poller) + repr(token_poller) + repr(IncidentFeeds([(MAJOR, poller.feed)]).feeds)
    assert caplog.records and PASSWORD not in shown and TOKEN not in shown
    assert "[redacted]" in caplog.text  # the desk's error quoted the password: it was taken out


def test_two_servers_polling_at_once_make_one_incident_and_one_resolution(location: str) -> None:
    page = FakeStatuspage().start()
    try:

        def polling(minute: int) -> Callable[[IncidentStore], PollOutcome]:
            return lambda store: polled(statuspage_poller(page, store), minute)  # a client of its own, as a server

        store = IncidentStore.open(location)
        for round in range(3):
            opened = page.open(f"Email delays {round}", "Emails arrive late.")
            created = races.returned(races.together(lambda: IncidentStore.open(location), polling(1), polling(1)))
            assert sorted(o.created for o in created) == [0, 1]
            page.post(opened["id"], "resolved", "Fixed.")
            resolved = races.returned(races.together(lambda: IncidentStore.open(location), polling(2), polling(2)))
            assert sorted(o.resolved for o in resolved) == [0, 1]
        incidents = store.listed(resolved=True)
        assert len(incidents) == 3 and all(i.status == "resolved" and i.version == 2 for i in incidents)
        assert all(len(store.changes_after(i.id, 1)) == 1 for i in incidents)
    finally:
        page.stop()


def test_the_feeds_poll_from_a_thread_of_their_own_until_stopped(
    page: FakeStatuspage, sqlite_store: IncidentStore
) -> None:
    quick = FeedSettings("suppliers", "statuspage", poll_seconds=0.01)
    feeds = IncidentFeeds([(quick, StatuspageFeed.at("suppliers", page.url, TIMEOUT))]).start(sqlite_store)
    try:
        opened = page.open("Email delays", "Emails arrive late.")
        wait_until(lambda: len(sqlite_store.listed()) == 1, 10, "the page's incident")
        page.post(opened["id"], "resolved", "Fixed.")
        wait_until(lambda: sqlite_store.listed() == [], 10, "its resolution")
    finally:
        feeds.stop()
    assert not feeds.pollers[0]._thread or not feeds.pollers[0]._thread.is_alive()
    assert IncidentFeeds([(quick, feeds.feeds[0][1])]).start(None).pollers == []  # no store: no feeds
