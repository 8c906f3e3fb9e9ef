"""The incident store (bot/incidents/store.py) on SQLite and a real PostgreSQL: declared, updated
with the version read, resolved once; staff counted once and subscribed once; a feed's incident
created, updated and left alone when nothing is new. Each refusal names the field or says why."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.incidents.errors import IncidentResolved, InvalidIncident, StaleVersion, UnknownIncident
from bot.incidents.store import RESOLVED_TEXT, IncidentStore
from bot.requester import Requester
from tests.incidents.conftest import MINUTE, T0, VPN, declared


def test_a_declared_incident_is_active_for_its_councils_only(store: IncidentStore) -> None:
    incident = declared(
        store, workaround="  Use Citrix from the browser. ", desk_ref="", next_update_at=T0 + 60 * MINUTE
    )
    assert (incident.status, incident.version, incident.source) == ("investigating", 1, "cli")
    assert incident.started_at == incident.updated_at == T0 and incident.resolved_at is None
    assert incident.workaround == "Use Citrix from the browser." and incident.desk_ref is None
    assert incident.questions == VPN.questions and incident.councils == ("riverside", "northbrook")
    assert store.get(incident.id) == incident
    everyone = declared(store, T0 + MINUTE, title="Email slow", councils=("all",))
    assert store.active("riverside") == [incident, everyone]
    assert store.active("southmere") == store.active(None) == [everyone]
    assert [c.text for c in store.changes_after(incident.id, 0)] == [VPN.summary]


@pytest.mark.parametrize(
    "changes,message",
    [
        ({"questions": ()}, "questions: needs at least one"),
        ({"questions": ("vpn down", "up")}, "questions[1]: must be at least 3 characters, got 'up'"),
        ({"questions": ("x" * 301,)}, "questions[0]: must be at most 300 characters"),
        ({"councils": ("riverside", "westfield")}, "councils[1]: is not a council of tenants.yml (northbrook,"),
        ({"councils": ()}, "councils: needs all or at least one council"),
        ({"councils": ("all", "riverside")}, "councils: is either all or a list of councils, not both"),
        ({"title": "  "}, "title: must not be empty"),
        ({"title": "VPN\ndown"}, "title: must be one line of text"),
        ({"summary": ""}, "summary: must not be empty"),
        ({"summary": "The CRM\x00 is down"}, "summary: must not contain control characters"),
        ({"workaround": "Use paper\x1b[2J forms"}, "workaround: must not contain control characters"),
        ({"status": "down"}, "status: must be one of investigating, identified, monitoring, resolved, got 'down'"),
        ({"status": "resolved"}, "status: a new incident cannot be resolved already"),
        ({"next_update_at": T0 - MINUTE}, "next_update_at: must be later than now"),
        ({"services": ("",)}, "services[0]: must not be empty"),
    ],
)
def test_a_bad_declaration_is_refused_naming_the_field(store: IncidentStore, changes: dict, message: str) -> None:
    with pytest.raises(InvalidIncident) as refused:
        declared(store, **changes)
    assert str(refused.value).startswith(message)
    assert store.listed(resolved=True) == []


def test_an_update_makes_the_next_version_and_a_change_for_subscribers(store: IncidentStore) -> None:
    incident = declared(store)
    later = store.update(incident.id, 1, now=T0 + MINUTE, status="identified", workaround="Use Citrix.")
    assert (later.version, later.status, later.workaround, later.updated_at) == (
        2,
        "identified",
        "Use Citrix.",
        T0 + 60,
    )
    assert later.started_at == T0 and later.summary == VPN.summary
    noted = store.update(later.id, 2, now=T0 + 2 * MINUTE, next_update_at=T0 + 30 * MINUTE, text="Engineers on site.")
    assert noted.version == 3 and noted.next_update_at == T0 + 30 * MINUTE
    changes = store.changes_after(incident.id, 1)
    assert [(c.version, c.status, c.text) for c in changes] == [
        (2, "identified", VPN.summary),
        (3, "identified", "Engineers on site."),
    ]


def test_an_update_that_says_nothing_new_makes_no_version(store: IncidentStore) -> None:
    incident = declared(store)
    assert store.update(incident.id, 1, now=T0 + MINUTE, status="investigating") == incident
    assert len(store.changes_after(incident.id, 0)) == 1
    with pytest.raises(InvalidIncident, match="update: changes nothing"):
        store.update(incident.id, 1, now=T0 + MINUTE)


def test_an_update_of_a_stale_version_is_refused_and_changes_nothing(store: IncidentStore) -> None:
    incident = declared(store)
    current = store.update(incident.id, 1, now=T0 + MINUTE, status="identified")
    with pytest.raises(StaleVersion, match="changed since version 1 was read: it is at version 2") as refused:
        store.update(incident.id, 1, now=T0 + 2 * MINUTE, summary="Someone else's view")
    assert refused.value.incident == current and store.get(incident.id) == current


@pytest.mark.parametrize(
    "changes,message",
    [
        ({"status": "resolved"}, "status: resolve an incident with resolve, once"),
        ({"status": "fixed"}, "status: must be one of investigating"),
        ({"summary": " "}, "summary: must not be empty"),
        ({"next_update_at": T0}, "next_update_at: must be later than now"),
    ],
)
def test_a_bad_update_is_refused_naming_the_field(store: IncidentStore, changes: dict, message: str) -> None:
    incident = declared(store)
    with pytest.raises(InvalidIncident) as refused:
        store.update(incident.id, 1, now=T0 + MINUTE, **changes)
    assert str(refused.value).startswith(message) and store.get(incident.id) == incident


def test_an_incident_is_resolved_once(store: IncidentStore) -> None:
    incident = declared(store, next_update_at=T0 + 60 * MINUTE)
    resolved = store.resolve(incident.id, now=T0 + 90 * MINUTE)
    assert (resolved.status, resolved.resolved_at, resolved.next_update_at) == ("resolved", T0 + 5400, None)
    assert resolved.version == 2 and store.active("riverside") == []
    assert store.listed(resolved=True) == [resolved]
    with pytest.raises(IncidentResolved, match=f"incident {incident.id} is resolved already"):
        store.resolve(incident.id, now=T0 + 91 * MINUTE, text="Fixed again")
    with pytest.raises(IncidentResolved):
        store.update(incident.id, 2, now=T0 + 91 * MINUTE, status="monitoring")
    assert [c.text for c in store.changes_after(incident.id, 1)] == [RESOLVED_TEXT]
    assert store.get(incident.id) == resolved


def test_an_unknown_incident_is_named(store: IncidentStore) -> None:
    for call in (
        lambda: store.get("inc-nothing"),
        lambda: store.resolve("inc-nothing", now=T0),
        lambda: store.update("inc-nothing", 1, now=T0, status="identified"),
        lambda: store.affected("inc-nothing", Requester("aad-sam", tenant="riverside"), "webchat", T0),
        lambda: store.changes_after("inc-nothing", 0),
    ):
        with pytest.raises(UnknownIncident, match="no incident inc-nothing"):
            call()


def test_pressing_affected_five_times_counts_once(store: IncidentStore) -> None:
    incident = declared(store)
    sam = Requester("aad-sam", tenant="riverside")
    presses = [store.affected(incident.id, sam, "webchat", T0 + i) for i in range(5)]
    assert presses == [(1, True)] + [(1, False)] * 4
    assert store.affected(incident.id, Requester("aad-sam", tenant="riverside"), "msteams", T0 + 9) == (1, False)
    assert store.affected(incident.id, Requester("aad-ria", tenant="riverside"), "msteams", T0 + 10) == (2, True)
    first = store.affected_users(incident.id)[0]
    assert (first.user_key, first.channel, first.at) == ("aad-sam", "webchat", T0)
    store.resolve(incident.id, now=T0 + MINUTE)
    with pytest.raises(IncidentResolved):
        store.affected(incident.id, Requester("aad-lee", tenant="riverside"), "webchat", T0 + 2 * MINUTE)


def test_a_user_subscribes_once_and_hears_of_changes_after_their_version(store: IncidentStore) -> None:
    incident = declared(store)
    store.update(incident.id, 1, now=T0 + MINUTE, status="identified")
    reference = {"service_url": "https://smba.trafficmanager.net/teams/", "conversation": "a:1"}
    sub, added = store.subscribe(
        incident.id, "aad-sam", channel="msteams", conversation="a:1", reference=reference, now=T0 + 2 * MINUTE
    )
    assert added and sub.version == 2 and sub.reference == reference
    again = store.subscribe(incident.id, "aad-sam", channel="webchat", conversation="w", reference={}, now=T0 + 180)
    assert again == (sub, False) and store.subscribers(incident.id) == [sub]
    store.resolve(incident.id, now=T0 + 5 * MINUTE, text="Fixed: reconnect the VPN.")
    assert [c.text for c in store.changes_after(incident.id, sub.version)] == ["Fixed: reconnect the VPN."]


def test_a_feed_creates_updates_and_leaves_alone(store: IncidentStore) -> None:
    feed = replace(VPN, started_at=T0 - 30 * MINUTE)
    created, changed = store.upsert_from_feed("statuspage", "sp-1", feed, T0)
    assert changed and (created.source, created.source_id, created.started_at) == ("statuspage", "sp-1", T0 - 1800)
    assert store.upsert_from_feed("statuspage", "sp-1", feed, T0 + MINUTE) == (created, False)
    assert store.upsert_from_feed("desk", "sp-1", feed, T0)[0].id != created.id  # another source's own id
    updated, changed = store.upsert_from_feed("statuspage", "sp-1", replace(feed, status="monitoring"), T0 + 120)
    assert changed and (updated.id, updated.version, updated.status) == (created.id, 2, "monitoring")
    resolved, changed = store.upsert_from_feed("statuspage", "sp-1", replace(feed, status="resolved"), T0 + 180)
    assert changed and resolved.resolved_at == T0 + 180 and resolved.version == 3
    assert store.upsert_from_feed("statuspage", "sp-1", feed, T0 + 240) == (resolved, False)  # resolved stays
    assert len(store.changes_after(created.id, 0)) == 3


def test_an_agents_edit_of_a_feeds_incident_stands_until_the_feed_changes_that_field(store: IncidentStore) -> None:
    created, _ = store.upsert_from_feed("desk", "MI-1042", VPN, T0)
    edited = store.update(created.id, 1, now=T0 + MINUTE, workaround="Use Citrix.", summary="Home working only.")
    assert store.upsert_from_feed("desk", "MI-1042", VPN, T0 + 120) == (edited, False)
    later, changed = store.upsert_from_feed("desk", "MI-1042", replace(VPN, status="identified"), T0 + 180)
    assert changed and (later.status, later.workaround, later.summary) == ("identified", "Use Citrix.", edited.summary)
    assert store.changes_after(created.id, 2)[0].text == "Home working only."


def test_a_feed_is_checked_as_a_person_is(store: IncidentStore) -> None:
    with pytest.raises(InvalidIncident, match="source: must be a feed"):
        store.upsert_from_feed("cli", "x", VPN, T0)
    with pytest.raises(InvalidIncident, match="councils\\[0\\]: is not a council"):
        store.upsert_from_feed("statuspage", "sp-1", replace(VPN, councils=("westfield",)), T0)
    with pytest.raises(InvalidIncident, match="source: a feed's incidents come through upsert_from_feed"):
        store.declare(VPN, source="statuspage", now=T0)


def test_a_new_store_on_the_same_database_sees_the_same_incidents(location: str) -> None:
    incident = declared(IncidentStore.open(location))
    assert IncidentStore.open(location).get(incident.id) == incident
