"""ServiceNow's major incidents (bot/incidents/feeds/servicenow.py), read from the ServiceNow fake
of the desk's own tests with the adapter's settings: which incidents are asked for, what each one
gives, and that the desk's credentials never show."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from bot.incidents.feeds.servicenow import FIELDS, MOST, ServiceNowMajorIncidents, listing
from bot.servicedesk.errors import AuthenticationFailed, BadResponse
from tests.servicedesk.fake_servicenow import PASSWORD, TOKEN, USER, FakeServiceNow


def settings(url: str, **changes: str) -> dict[str, str]:
    return {
        "ASKIT_SERVICENOW_URL": url,
        "ASKIT_SERVICENOW_USER": USER,
        "ASKIT_SERVICENOW_PASSWORD": PASSWORD,
        **changes,
    }


@pytest.fixture
def desk() -> Iterator[FakeServiceNow]:
    fake = FakeServiceNow().start()
    yield fake
    fake.stop()


def test_the_accepted_active_major_incidents_are_asked_for_in_utc_with_their_services(desk: FakeServiceNow) -> None:
    desk.add_incident("alice@northbrook.example", "Printer jams")  # an ordinary incident
    email = desk.add_major_incident(
        "Email delayed for everyone",
        "Messages arrive up to an hour late; nothing is lost.",
        service="Email",
        ci="exchange-01",
        opened_at="2026-11-30 08:15:00",
    )
    desk.add_major_incident("Wi-Fi down in the library", major_state="proposed")  # a candidate, not accepted
    desk.add_major_incident("CRM slow", major_state="canceled")  # demoted
    desk.add_major_incident("Phones down", state="7")  # closed
    read = ServiceNowMajorIncidents.from_env("major", settings(desk.url)).fetch()
    [incident] = read.incidents
    assert (incident.id, incident.desk_ref, incident.title) == (email["number"],) * 2 + ("Email delayed for everyone",)
    assert incident.summary == "Messages arrive up to an hour late; nothing is lost."
    assert (incident.status, incident.services) == ("investigating", ("Email", "exchange-01"))
    assert incident.started_at == dt.datetime(2026, 11, 30, 8, 15, tzinfo=dt.timezone.utc).timestamp()
    asked = desk.seen[-1]
    assert (asked.method, asked.path) == ("GET", "/api/now/table/incident")
    assert asked.query["sysparm_query"] == "major_incident_state=accepted^active=true"
    assert (asked.query["sysparm_fields"], asked.query["sysparm_display_value"]) == (FIELDS, "false")
    assert read.complete and read.listed_ids() == {email["number"]}


def row(**changes: Any) -> dict[str, Any]:
    found = {
        "number": "INC0010042",
        "short_description": "VPN down",
        "description": "",
        "state": "2",
        "opened_at": "2026-11-30 08:15:00",
        "business_service.name": "",
        "cmdb_ci.name": "",
    }
    return {k: v for k, v in {**found, **changes}.items() if v is not ...}


@pytest.mark.parametrize(
    "state,status",
    [("1", "investigating"), ("2", "investigating"), ("3", "investigating"), ("42", "investigating")]
    + [(state, "resolved") for state in ("6", "7", "8")],
)
def test_resolved_closed_and_canceled_are_resolved_and_every_other_state_investigating(state: str, status: str) -> None:
    [incident] = listing({"result": [row(state=state)]}).incidents
    assert incident.status == status


def test_without_a_description_the_summary_is_the_short_description() -> None:
    [incident] = listing({"result": [row(description="  ")]}).incidents
    assert (incident.summary, incident.services) == ("VPN down", ())


@pytest.mark.parametrize(
    "changes,problem",
    [
        ({"short_description": ...}, "short_description: is missing"),
        ({"state": ""}, "state: must be text that is not empty"),
        ({"opened_at": "soon"}, "opened_at: is not a time: 'soon'"),
    ],
)
def test_a_row_that_cannot_be_read_is_left_out_by_its_number(changes: dict[str, Any], problem: str) -> None:
    read = listing({"result": [row(number="INC0010001"), row(**changes)]})
    assert [i.id for i in read.incidents] == ["INC0010001"]
    assert [(u.id, u.problem) for u in read.unreadable] == [("INC0010042", problem)]
    assert read.listed_ids() == {"INC0010001", "INC0010042"}


def test_a_full_page_may_have_held_some_back_so_absence_proves_nothing() -> None:
    read = listing({"result": [row(number=f"INC{n:07d}") for n in range(MOST)]})
    assert len(read.incidents) == MOST and read.listed_ids() is None


@pytest.mark.parametrize("body", [[], {"results": []}, {"result": {"number": "INC1"}}, None])
def test_an_answer_that_is_not_the_table_api_s_is_a_bad_response(body: Any) -> None:
    with pytest.raises(BadResponse):
        listing(body)


def test_the_desk_s_credentials_never_show(desk: FakeServiceNow) -> None:
    for env in (settings(desk.url), settings(desk.url, ASKIT_SERVICENOW_TOKEN=TOKEN)):
        assert PASSWORD not in repr(ServiceNowMajorIncidents.from_env("major", env))
        assert TOKEN not in repr(ServiceNowMajorIncidents.from_env("major", env))
    refused = ServiceNowMajorIncidents.from_env("major", settings(desk.url, ASKIT_SERVICENOW_PASSWORD="wrong-Pa55word"))
    with pytest.raises(AuthenticationFailed) as caught:
        refused.fetch()
    assert "wrong-Pa55word" not in str(caught.value) and "401" in str(caught.value)
