"""The console's known incidents (bot/backoffice/incidents.py) in-process, on SQLite and PostgreSQL:
an agent declares, updates and resolves; a mistake is shown next to its field with what was typed;
a stale version or a second resolve is told, never overwritten. Everyone else is refused: nobody
signed in, other roles, an agent of one council reaching past it, a missing or forged CSRF token;
hostile and huge input is refused or shown escaped, and nothing of it is stored."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any, Protocol

import pytest
from starlette.testclient import TestClient

from bot.backoffice import audit
from bot.backoffice.agents import agents_routes
from bot.backoffice.app import create_app
from bot.backoffice.csrf import REFUSED
from bot.backoffice.guards import MAX_BODY_BYTES
from bot.backoffice.incidents import PATH, incidents_routes
from bot.backoffice.settings import load_settings
from bot.handoff.settings import HandoffSettings
from bot.identity import load_tenants
from bot.incidents.models import Incident, IncidentFields
from bot.incidents.store import RESOLVED_TEXT, IncidentStore
from bot.requester import Requester
from bot.sql import Database
from tests.backoffice.conftest import BASE_URL, SECRET, Browser, csrf_of, post, signed_in
from tests.incidents.test_desk_notes import Clock


def every_change(incident_id: str) -> list[tuple[str, dict[str, Any]]]:
    """Each route that changes something, with a form it would take."""
    return [
        (PATH, FORM),
        (f"{PATH}/{incident_id}/update", {"version": "1", "status": "identified", "summary": "x"}),
        (f"{PATH}/{incident_id}/resolve", {}),
    ]


def london(text: str) -> float:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.timezone.utc).timestamp()  # UTC in winter


NOW = london("2026-11-30T07:30")  # Monday morning: every test's "now"
HOUR = 3600.0
FORM = {
    "title": "VPN unavailable",
    "summary": "The VPN will not connect from home;\r\nthe office network is fine.",
    "questions": "vpn not connecting\r\n\r\n  I can't get on the VPN from home  \r\n",
    "councils": ["riverside", "northbrook"],
    "services": "VPN, Citrix, ",
    "status": "investigating",
    "workaround": "Use Citrix from the browser.",
    "next_update": "2026-11-30T09:00",
    "desk_ref": "MI-1042",
}
OUTAGE = IncidentFields(
    title="E-mail slow",
    summary="Mail takes an hour to arrive.",
    questions=("email is slow", "my emails are late"),
    councils=("riverside",),
)


class Reply(Protocol):
    """What the tests read of the test client's response."""

    @property
    def status_code(self) -> int: ...

    @property
    def text(self) -> str: ...

    @property
    def headers(self) -> Mapping[str, str]: ...


@pytest.fixture
def store(db: Database) -> IncidentStore:
    return IncidentStore(db, load_tenants().ids)


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def client(db: Database, store: IncidentStore, clock: Clock) -> Iterator[TestClient]:
    settings = load_settings({"ASKIT_BACKOFFICE_SECRET": SECRET}, dev=True, port=5057)
    routes = [*incidents_routes(store, clock), *agents_routes(HandoffSettings.load())]
    with TestClient(create_app(settings, db, dev=True, routes=routes), base_url=BASE_URL) as client:
        yield client


@pytest.fixture
def agent(client: TestClient) -> Browser:
    return signed_in(client, "agent")


def declare(browser: Browser, **changes: Any) -> Reply:
    return post(browser, PATH, {**FORM, **changes})


def declared_id(reply: Reply) -> str:
    assert reply.status_code == 303, reply.text
    found = re.fullmatch(re.escape(PATH) + r"#incident-(.+)", reply.headers["location"])
    assert found, reply.headers["location"]
    return found.group(1)


def update_form(page: str, incident_id: str) -> dict[str, str]:
    """The update form's fields as the page fills them in, as a browser would send them."""
    form = page.split(f'action="{PATH}/{incident_id}/update"', 1)[1].split("</form>", 1)[0]
    fields = dict(re.findall(r'<input type="(?:hidden|datetime-local)"[^>]* name="(\w+)" value="([^"]*)"', form))
    fields |= {
        name: text for name, text in re.findall(r'<textarea[^>]* name="(\w+)"[^>]*>\n(.*?)</textarea>', form, re.S)
    }
    [status] = re.findall(r'<option value="(\w+)" selected>', form)
    return {**fields, "status": status}


# -- the agent's day ---------------------------------------------------------------------------


def test_an_agent_declares_an_incident_and_sees_it_listed(agent: Browser, store: IncidentStore, db: Database) -> None:
    incident_id = declared_id(declare(agent))
    incident = store.get(incident_id)
    assert (incident.title, incident.source, incident.version, incident.status) == (
        "VPN unavailable",
        "agent",
        1,
        "investigating",
    )
    assert incident.summary == "The VPN will not connect from home;\nthe office network is fine."
    assert incident.questions == ("vpn not connecting", "I can't get on the VPN from home")
    assert (incident.councils, incident.services) == (("riverside", "northbrook"), ("VPN", "Citrix"))
    assert (incident.next_update_at, incident.desk_ref, incident.started_at) == (
        london("2026-11-30T09:00"),
        "MI-1042",
        NOW,
    )
    page = agent.client.get(PATH).text
    assert "Active incidents (1)" in page and f'id="incident-{incident_id}"' in page
    assert "Declared “VPN unavailable”" in page  # the notice, once
    assert "Declared “VPN unavailable”" not in agent.client.get(PATH).text
    for shown in ("Riverside Council, Northbrook Council", "MI-1042", "VPN, Citrix", "Mon 30 Nov, 09:00"):
        assert shown in page
    assert "0 people" in page and "Mon 30 Nov, 07:30" in page
    [entry] = audit.entries(db, action="incident.declare")
    assert (entry.who, entry.target) == ("dev-agent", incident_id)
    assert entry.detail == {
        "title": "VPN unavailable",
        "councils": ["riverside", "northbrook"],
        "status": "investigating",
        "version": 1,
    }


def test_the_list_shows_counts_and_an_overdue_update(agent: Browser, store: IncidentStore, clock: Clock) -> None:
    incident = store.declare(replace(OUTAGE, next_update_at=NOW + HOUR), source="cli", now=NOW)
    for user in ("u1", "u2", "u3"):
        store.affected(incident.id, Requester(user, tenant="riverside"), "webchat", NOW)
    store.subscribe(incident.id, "u1", channel="webchat", conversation="c1", reference={}, now=NOW)
    page = agent.client.get(PATH).text
    assert "3 people" in page and "1 person" in page and "overdue" not in page
    clock.now = NOW + 2 * HOUR
    assert '<strong class="overdue">overdue</strong>' in agent.client.get(PATH).text
    store.declare(replace(OUTAGE, next_update_at=london("2027-01-04T09:00")), source="cli", now=clock.now)
    assert "Mon 4 Jan 2027, 09:00" in agent.client.get(PATH).text  # another year's time says which


def test_an_agent_updates_an_incident_with_the_version_they_read(
    agent: Browser, store: IncidentStore, db: Database
) -> None:
    incident_id = declared_id(declare(agent))
    fields = update_form(agent.client.get(PATH).text, incident_id)
    assert fields["version"] == "1" and fields["next_update"] == "2026-11-30T09:00"
    assert fields["summary"] == "The VPN will not connect from home;\nthe office network is fine."
    changes = {"status": "identified", "workaround": "", "note": "The supplier found a failed certificate."}
    reply = post(agent, f"{PATH}/{incident_id}/update", {**fields, **changes})
    assert reply.status_code == 303 and reply.headers["location"] == f"{PATH}#incident-{incident_id}"
    incident = store.get(incident_id)
    assert (incident.version, incident.status, incident.workaround) == (2, "identified", None)
    assert incident.next_update_at == london("2026-11-30T09:00")
    assert store.changes_after(incident_id, 1)[0].text == "The supplier found a failed certificate."
    assert "(version 2): Identified" in agent.client.get(PATH).text
    [entry] = audit.entries(db, action="incident.update")
    assert (entry.who, entry.target) == ("dev-agent", incident_id)
    assert entry.detail == {"read": 1, "version": 2, "status": "identified", "changed": ["status", "workaround"],
                            "note": True}  # fmt: skip


def test_an_update_that_says_nothing_new_changes_nothing(agent: Browser, store: IncidentStore, db: Database) -> None:
    incident_id = declared_id(declare(agent))
    fields = update_form(agent.client.get(PATH).text, incident_id)
    assert post(agent, f"{PATH}/{incident_id}/update", fields).status_code == 303
    assert store.get(incident_id).version == 1
    assert "Nothing changed: “VPN unavailable” already says that." in agent.client.get(PATH).text
    assert audit.entries(db, action="incident.update") == []


def test_an_overdue_next_update_left_alone_does_not_refuse_the_new_status(
    agent: Browser, store: IncidentStore, clock: Clock
) -> None:
    incident_id = declared_id(declare(agent))
    clock.now = london("2026-11-30T10:00")  # the next update (09:00) is overdue
    fields = update_form(agent.client.get(PATH).text, incident_id)
    assert post(agent, f"{PATH}/{incident_id}/update", {**fields, "status": "monitoring"}).status_code == 303
    incident = store.get(incident_id)
    assert (incident.status, incident.next_update_at) == ("monitoring", london("2026-11-30T09:00"))
    reply = post(agent, f"{PATH}/{incident_id}/update", {**fields, "version": "2", "next_update": "2026-11-30T09:30"})
    assert reply.status_code == 400 and "Next update due: must be later than now" in reply.text


def test_an_agent_resolves_once_after_confirming(agent: Browser, store: IncidentStore, db: Database) -> None:
    incident_id = declared_id(declare(agent))
    confirm = agent.client.get(f"{PATH}/{incident_id}/resolve")
    assert confirm.status_code == 200 and "Yes, resolve it" in confirm.text and RESOLVED_TEXT in confirm.text
    assert store.get(incident_id).is_active  # asking is not resolving
    reply = post(agent, f"{PATH}/{incident_id}/resolve", {"note": "Fixed: reconnect the VPN."})
    assert reply.status_code == 303
    incident = store.get(incident_id)
    assert (incident.status, incident.resolved_at, incident.version) == ("resolved", NOW, 2)
    assert store.changes_after(incident_id, 1)[0].text == "Fixed: reconnect the VPN."
    page = agent.client.get(PATH).text
    assert "Active incidents (0)" in page and "Resolved “VPN unavailable”" in page
    resolved = page.split('id="resolved-heading"', 1)[1]
    assert f'id="incident-{incident_id}"' in resolved and f"{incident_id}/resolve" not in resolved
    [entry] = audit.entries(db, action="incident.resolve")
    assert (entry.who, entry.target, entry.detail) == ("dev-agent", incident_id, {"version": 2, "note": True})


def test_a_resolve_without_a_note_tells_subscribers_the_stores_words(agent: Browser, store: IncidentStore) -> None:
    incident_id = declared_id(declare(agent))
    assert post(agent, f"{PATH}/{incident_id}/resolve", {"note": "  "}).status_code == 303
    assert store.changes_after(incident_id, 1)[0].text == RESOLVED_TEXT


def test_old_resolved_incidents_leave_the_list(agent: Browser, store: IncidentStore, clock: Clock) -> None:
    incident = store.declare(OUTAGE, source="cli", now=NOW)
    store.resolve(incident.id, now=NOW + HOUR)
    assert f'id="incident-{incident.id}"' in agent.client.get(PATH).text
    clock.now = NOW + 8 * 24 * HOUR
    assert f'id="incident-{incident.id}"' not in agent.client.get(PATH).text


# -- two agents at once ------------------------------------------------------------------------


def test_a_stale_update_shows_what_it_says_now_and_keeps_what_the_agent_typed(
    client: TestClient, agent: Browser, store: IncidentStore
) -> None:
    incident_id = declared_id(declare(agent))
    mine = update_form(agent.client.get(PATH).text, incident_id)
    other = signed_in(client, "agent")
    theirs = update_form(other.client.get(PATH).text, incident_id)
    assert post(other, f"{PATH}/{incident_id}/update", {**theirs, "summary": "Their summary"}).status_code == 303

    reply = post(agent, f"{PATH}/{incident_id}/update", {**mine, "summary": "My summary", "status": "identified"})
    assert reply.status_code == 409
    assert "Another agent changed this incident while you were writing: it is now at version 2" in reply.text
    card = reply.text.split(f'id="incident-{incident_id}"', 1)[1].split("<details", 1)[0]
    assert "Their summary" in card  # what it says now
    kept = update_form(reply.text, incident_id)
    assert (kept["summary"], kept["status"], kept["version"]) == ("My summary", "identified", "2")
    assert '<details class="change" open>' in reply.text and "data-focus" in reply.text
    incident = store.get(incident_id)
    assert (incident.version, incident.summary, incident.status) == (2, "Their summary", "investigating")
    # Having seen theirs, the agent sends again: now it is theirs that is changed, knowingly.
    assert post(agent, f"{PATH}/{incident_id}/update", kept).status_code == 303
    assert (store.get(incident_id).version, store.get(incident_id).summary) == (3, "My summary")


def test_a_second_resolve_is_told_it_is_resolved_already(
    client: TestClient, agent: Browser, store: IncidentStore, db: Database
) -> None:
    incident_id = declared_id(declare(agent))
    other = signed_in(client, "agent")
    assert other.client.get(f"{PATH}/{incident_id}/resolve").status_code == 200
    assert post(agent, f"{PATH}/{incident_id}/resolve", {"note": "Fixed."}).status_code == 303
    again = post(other, f"{PATH}/{incident_id}/resolve", {"note": "Fixed too."})
    assert again.status_code == 409 and "was resolved already (Mon 30 Nov, 07:30)" in again.text
    assert "Yes, resolve it" not in again.text
    assert [c.text for c in store.changes_after(incident_id, 1)] == ["Fixed."]
    assert len(audit.entries(db, action="incident.resolve")) == 1
    assert "resolved already" in other.client.get(f"{PATH}/{incident_id}/resolve").text
    late = post(other, f"{PATH}/{incident_id}/update", {"version": "2", "status": "identified", "summary": "Still"})
    assert late.status_code == 409 and "so it was not updated" in late.text
    assert store.get(incident_id).version == 2


# -- who may ------------------------------------------------------------------------------------


def test_nobody_signed_in_is_sent_to_sign_in_and_changes_nothing(client: TestClient, store: IncidentStore) -> None:
    incident = store.declare(OUTAGE, source="cli", now=NOW)
    page = client.get(PATH, follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/signin?next=%2Fagents%2Fincidents"
    assert client.get(PATH, headers={"accept": "application/json"}).status_code == 401
    assert client.post(PATH, data=FORM).status_code == 403  # no session, so no CSRF token either
    token = csrf_of(client.get("/dev/signin").text)  # a visitor's own token: it opens nothing
    for path, data in every_change(incident.id):
        reply = client.post(path, data={**data, "csrf_token": token}, follow_redirects=False)
        assert reply.status_code == 303 and reply.headers["location"].startswith("/signin?next="), path
    assert client.get(f"{PATH}/{incident.id}/resolve", follow_redirects=False).status_code == 303
    assert [(i.id, i.version) for i in store.listed(resolved=True)] == [(incident.id, 1)]


@pytest.mark.parametrize("who", ["editor", "manager", "approver", "admin", "manager-riverside"])
def test_other_roles_can_neither_see_nor_change_incidents(client: TestClient, store: IncidentStore, who: str) -> None:
    incident = store.declare(OUTAGE, source="cli", now=NOW)
    browser = signed_in(client, who)
    assert browser.client.get(PATH).status_code == 403
    assert browser.client.get(f"{PATH}/{incident.id}/resolve").status_code == 403
    for path, data in every_change(incident.id):
        assert post(browser, path, data).status_code == 403, path
    assert [(i.id, i.version) for i in store.listed(resolved=True)] == [(incident.id, 1)]
    assert "Known incidents" not in browser.client.get("/").text


def test_the_home_page_and_the_console_link_the_incidents_for_agents(agent: Browser) -> None:
    assert '<a href="/agents/incidents">Known incidents</a>' in agent.client.get("/").text
    assert '<a href="/agents/incidents">Known incidents</a>' in agent.client.get("/agents").text
    assert '<a href="/agents">Agent console</a>' in agent.client.get(PATH).text


def test_an_agent_of_one_council_changes_only_what_concerns_their_council_alone(
    client: TestClient, store: IncidentStore
) -> None:
    def cli(*councils: str) -> Incident:
        return store.declare(replace(OUTAGE, title=f"Outage of {'+'.join(councils)}", councils=councils),
                             source="cli", now=NOW)  # fmt: skip

    own, shared, other, everyone = cli("riverside"), cli("riverside", "northbrook"), cli("northbrook"), cli("all")
    riverside = signed_in(client, "agent-riverside")
    page = riverside.client.get(PATH).text
    assert f"{PATH}/{own.id}/update" in page and f"{PATH}/{own.id}/resolve" in page
    for seen in (shared, everyone):  # they concern Riverside's staff: shown, not theirs to change
        assert f'id="incident-{seen.id}"' in page and f"{PATH}/{seen.id}/update" not in page
    assert f'id="incident-{other.id}"' not in page and "Outage of northbrook<" not in page
    assert "an agent for all councils can change it" in page
    # The declare form offers their council only, ticked.
    assert re.findall(r'name="councils" value="(\w+)"', page) == ["riverside"]
    assert 'value="riverside" checked' in page
    for incident in (shared, other, everyone):
        assert riverside.client.get(f"{PATH}/{incident.id}/resolve").status_code == 403
        update = {"version": "1", "status": "identified", "summary": "Mine now"}
        assert post(riverside, f"{PATH}/{incident.id}/update", update).status_code == 403
        assert post(riverside, f"{PATH}/{incident.id}/resolve", {}).status_code == 403
        assert store.get(incident.id).version == 1
    for councils in (["northbrook"], ["all"], ["riverside", "northbrook"], ["riverside", "westfield"]):
        assert declare(riverside, councils=councils).status_code == 403, councils
    assert len(store.listed()) == 4
    mine = declared_id(declare(riverside, councils=["riverside"]))
    assert store.get(mine).councils == ("riverside",)
    fields = update_form(riverside.client.get(PATH).text, own.id)
    assert post(riverside, f"{PATH}/{own.id}/update", {**fields, "status": "identified"}).status_code == 303
    assert post(riverside, f"{PATH}/{own.id}/resolve", {}).status_code == 303
    assert not store.get(own.id).is_active
    # An agent for all councils changes any of them.
    everyone_agent = signed_in(client, "agent")
    assert post(everyone_agent, f"{PATH}/{everyone.id}/resolve", {}).status_code == 303


@pytest.mark.parametrize("token", [None, "", "forged-token-" + "x" * 30, "other session"])
def test_every_change_needs_the_sessions_csrf_token(
    client: TestClient, agent: Browser, store: IncidentStore, token: str | None
) -> None:
    incident = store.declare(OUTAGE, source="cli", now=NOW)
    if token == "other session":
        token = signed_in(client, "agent").csrf()
    sent = {} if token is None else {"csrf_token": token}
    for path, data in every_change(incident.id):
        reply = agent.client.post(path, data={**data, **sent}, follow_redirects=False)
        assert reply.status_code == 403 and reply.text == REFUSED, path
    assert [(i.id, i.version) for i in store.listed(resolved=True)] == [(incident.id, 1)]


# -- mistakes and hostile input -----------------------------------------------------------------


def test_no_questions_is_named_next_to_its_field_and_what_was_typed_is_kept(
    agent: Browser, store: IncidentStore, db: Database
) -> None:
    reply = declare(agent, questions=" \r\n \r\n", title="VPN <unavailable>")
    assert reply.status_code == 400
    error = '<p class="field-error" id="d-questions-error"><span class="visually-hidden">Error: </span>'
    assert error + "Questions: needs at least one" in reply.text
    assert 'aria-describedby="d-questions-hint d-questions-error" aria-invalid="true"' in reply.text
    assert '<a href="#d-questions">Questions: needs at least one' in reply.text  # the list of problems
    assert 'value="VPN &lt;unavailable&gt;"' in reply.text  # kept, escaped
    assert "the office network is fine.</textarea>" in reply.text
    assert 'value="riverside" checked' in reply.text and 'value="northbrook" checked' in reply.text
    assert 'value="2026-11-30T09:00"' in reply.text and 'value="MI-1042"' in reply.text
    assert store.listed() == [] and audit.entries(db, action="incident.declare") == []


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"councils": ["westfield"]}, "councils", "Council 1: is not a council of tenants.yml"),
        ({"councils": []}, "councils", "Councils: needs all or at least one council"),
        ({"councils": ["all", "riverside"]}, "councils", "Councils: is either all or a list of councils"),
        ({"title": "x" * 100_000}, "title", "Title: must be at most 120 characters (it has 100000)"),
        ({"title": ""}, "title", "Title: must not be empty"),
        ({"title": "VPN\x00down"}, "title", "Title: must not contain control characters (it has U+0000)"),
        ({"title": "VPN\r\ndown"}, "title", "Title: must be one line of text"),
        ({"summary": "It is\x00down"}, "summary", "What staff will notice: must not contain control characters"),
        ({"summary": "x" * 601}, "summary", "What staff will notice: must be at most 600 characters"),
        ({"questions": "vpn\x1b[31m"}, "questions", "Question 1: must not contain control characters"),
        ({"questions": "vpn not connecting\r\nab"}, "questions", "Question 2: must be at least 3 characters"),
        ({"services": "VPN, " + "s" * 121}, "services", "Service 2: must be at most 120 characters"),
        ({"workaround": "Use\x07Citrix"}, "workaround", "Workaround: must not contain control characters"),
        ({"next_update": "tomorrow"}, "next_update", "Next update due: must be a date and time, YYYY-MM-DDTHH:MM"),
        ({"next_update": "2026-11-29T10:00"}, "next_update", "Next update due: must be later than now"),
        ({"status": "resolved"}, "status", "Status: a new incident cannot be resolved already"),
        ({"status": "<b>bogus</b>"}, "status", "Status: must be one of investigating"),
        ({"desk_ref": "MI\t1"}, "desk_ref", "Desk reference: must be one line of text"),
    ],
)
def test_each_mistake_is_shown_next_to_its_field_and_nothing_is_stored(
    agent: Browser, store: IncidentStore, changes: dict[str, Any], field: str, message: str
) -> None:
    reply = declare(agent, **changes)
    assert reply.status_code == 400
    found = re.search(rf'<p class="field-error" id="d-{field}-error">.*?</p>', reply.text, re.S)
    assert found and message in found.group(0).replace("&#39;", "'"), reply.text
    assert "\x00" not in reply.text and "<b>bogus" not in reply.text
    assert store.listed() == []


def test_html_and_script_are_stored_as_text_and_shown_escaped(agent: Browser, store: IncidentStore) -> None:
    hostile = {
        "title": "<script>alert(1)</script>",
        "summary": '<img src=x onerror="alert(2)">',
        "questions": "<b>vpn</b> broken\r\n{{ 7*7 }} is down",
        "services": '"><svg onload=alert(3)>',
        "workaround": "<a href=javascript:alert(4)>click</a>",
        "desk_ref": "' onmouseover='alert(5)",
    }
    incident_id = declared_id(declare(agent, **hostile))
    incident = store.get(incident_id)
    assert (incident.title, incident.questions) == (hostile["title"], ("<b>vpn</b> broken", "{{ 7*7 }} is down"))
    page = agent.client.get(PATH).text
    for raw in ("<script>alert", "<img src", "<svg", "<a href=javascript", "onmouseover='"):
        assert raw not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&lt;img src=x onerror=&#34;alert(2)&#34;&gt;" in page
    assert "49" not in page.replace("2026", "").replace(incident_id, "")  # no template ran what was typed
    assert "<script>" not in page  # the page's own script is a file, as the CSP wants


def test_a_huge_body_is_refused_before_anything_reads_it(agent: Browser, store: IncidentStore) -> None:
    reply = declare(agent, summary="x" * (10 * 1024 * 1024))
    assert reply.status_code == 413 and MAX_BODY_BYTES < 10 * 1024 * 1024
    assert store.listed() == [] and agent.client.get(PATH).status_code == 200


def test_a_file_where_text_belongs_is_no_text(agent: Browser, store: IncidentStore) -> None:
    data = {**FORM, "csrf_token": agent.csrf()}
    del data["title"]
    reply = agent.client.post(PATH, data=data, files={"title": ("title.txt", b"VPN unavailable", "text/plain")})
    assert reply.status_code == 400 and "Title: must not be empty" in reply.text
    assert store.listed() == []


@pytest.mark.parametrize("incident_id", ["<script>alert(1)</script>", "x" * 5000, "a'OR'1'='1", "inc-00000000"])
def test_an_unknown_or_hostile_incident_id_is_no_incident(agent: Browser, incident_id: str) -> None:
    for reply in (
        agent.client.get(f"{PATH}/{incident_id}/resolve"),
        post(agent, f"{PATH}/{incident_id}/resolve", {}),
        post(agent, f"{PATH}/{incident_id}/update", {"version": "1", "status": "identified", "summary": "x"}),
    ):
        assert reply.status_code == 404 and incident_id not in reply.text and "<script>alert" not in reply.text


@pytest.mark.parametrize("version", ["", "abc", "-1", "1.0", "9" * 30, "١"])
def test_an_update_without_a_version_it_was_read_at_is_refused(
    agent: Browser, store: IncidentStore, version: str
) -> None:
    incident_id = declared_id(declare(agent))
    fields = update_form(agent.client.get(PATH).text, incident_id)
    reply = post(agent, f"{PATH}/{incident_id}/update", {**fields, "version": version, "status": "identified"})
    assert reply.status_code == 400 and "did not say which version" in reply.text
    assert store.get(incident_id).version == 1


def test_a_refused_update_is_shown_in_its_open_form(agent: Browser, store: IncidentStore) -> None:
    incident_id = declared_id(declare(agent))
    fields = update_form(agent.client.get(PATH).text, incident_id)
    reply = post(agent, f"{PATH}/{incident_id}/update", {**fields, "summary": "  "})
    assert reply.status_code == 400 and '<details class="change" open>' in reply.text
    prefix = f"u-{incident_id}-summary"
    assert f'aria-describedby="{prefix}-hint {prefix}-error" aria-invalid="true"' in reply.text
    assert "What staff will notice: must not be empty" in reply.text
    reply = post(agent, f"{PATH}/{incident_id}/update", {**fields, "note": "Sorted\x00", "status": "identified"})
    assert reply.status_code == 400 and "Note to subscribers: must not contain control characters" in reply.text
    assert update_form(reply.text, incident_id)["note"] == "Sorted\ufffd"  # shown again, marked
    assert store.get(incident_id).version == 1
    long_note = post(agent, f"{PATH}/{incident_id}/resolve", {"note": "n" * 601})
    assert long_note.status_code == 400 and "Note to subscribers: must be at most 600 characters" in long_note.text
    assert 'aria-describedby="r-note-hint r-note-error"' in long_note.text
    assert store.get(incident_id).is_active
