from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterator

import pytest

from bot.servicedesk import ConfigError, DeskReply, Requester, TicketNotFound
from bot.servicedesk.registry import create_service_desk
from bot.servicedesk.servicenow import ServiceNowDesk, journal_text
from tests.servicedesk.contract import ALICE, DeskCase, failure_tests, ticket_request
from tests.servicedesk.fake_servicenow import PASSWORD, TOKEN, TOKEN_USER, USER, FakeServiceNow


def make_fake() -> FakeServiceNow:
    fake = FakeServiceNow()
    fake.add_incident("alice@northbrook.example", "Printer jams", correlation_id="older")
    return fake


def settings(url: str) -> dict[str, str]:
    return {
        "ASKIT_SERVICE_DESK": "servicenow",
        "ASKIT_SERVICENOW_URL": url,
        "ASKIT_SERVICENOW_USER": USER,
        "ASKIT_SERVICENOW_PASSWORD": PASSWORD,
    }


CASE = DeskCase(
    fake=make_fake,
    adapter=ServiceNowDesk.from_env,
    env=settings,
    secrets=(PASSWORD, USER),
    existing_ref="INC0010001",
    # ServiceNow finds a ticket by query (an empty result is "not found"); a 404 means a wrong endpoint.
    # The same holds for "reply", whose first call is that same query.
    not_found={},
)
test_failures = failure_tests(CASE)


@pytest.fixture
def servicenow() -> Iterator[tuple[FakeServiceNow, ServiceNowDesk]]:
    fake, desk = CASE.start()
    assert isinstance(fake, FakeServiceNow) and isinstance(desk, ServiceNowDesk)
    yield fake, desk
    fake.stop()


def test_create_looks_up_the_caller_and_posts_an_incident(servicenow: tuple[FakeServiceNow, ServiceNowDesk]) -> None:
    fake, desk = servicenow
    ref = desk.create_ticket(ticket_request())
    lookup, post = fake.seen[-2:]
    assert (lookup.method, lookup.path, lookup.query["sysparm_query"]) == (
        "GET",
        "/api/now/table/sys_user",
        "email=alice@northbrook.example",
    )
    basic = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    assert post.method == "POST" and post.path == "/api/now/table/incident"
    assert post.headers["authorization"] == basic
    body = post.json()
    assert body["caller_id"] == fake.users[0]["sys_id"]
    assert (body["short_description"], body["impact"], body["urgency"]) == ("VPN drops every hour", "1", "2")
    assert (body["assignment_group"], body["category"]) == ("network", "connectivity")
    assert body["correlation_id"] == "3f1c2a9e-askit-corr-0001"
    assert "Conversation transcript" in body["description"]
    assert ref.ref == "INC0010002" and ref.url and "incident.do" in ref.url


def test_an_email_with_a_caret_and_quote_is_encoded_not_injected(
    servicenow: tuple[FakeServiceNow, ServiceNowDesk],
) -> None:
    fake, desk = servicenow
    pat = Requester(id="web:pat", email="o'brien^x@riverside.example", tenant="riverside")
    desk.create_ticket(ticket_request("corr-pat", requester=pat))
    assert fake.seen[-2].query["sysparm_query"] == "email=o'brien^^x@riverside.example"
    assert fake.incidents[-1]["caller_id"] == fake.users[1]["sys_id"]


def test_a_requester_without_an_account_is_named_in_the_description(
    servicenow: tuple[FakeServiceNow, ServiceNowDesk],
) -> None:
    fake, desk = servicenow
    stranger = Requester(id="web:sam", email="sam@southmere.example")
    desk.create_ticket(ticket_request("corr-sam", requester=stranger))
    assert "caller_id" not in fake.seen[-1].json()
    assert fake.incidents[-1]["description"].startswith("Requester (no ServiceNow account found): sam@southmere")


def test_find_status_list_and_comment(servicenow: tuple[FakeServiceNow, ServiceNowDesk]) -> None:
    fake, desk = servicenow
    assert desk.find_by_correlation("3f1c2a9e-askit-corr-0001") is None
    ref = desk.create_ticket(ticket_request())
    assert desk.find_by_correlation("3f1c2a9e-askit-corr-0001") == ref
    status = desk.get_status(ref.ref)
    assert (status.ref, status.status, status.summary) == (ref.ref, "new", "VPN drops every hour")
    assert status.group == "network" and desk.get_status("INC0010001").group is None  # the seeded one has none
    assert status.belongs_to(ALICE) and not status.belongs_to(Requester("web:bob", "bob@northbrook.example"))
    fake.incidents[0]["state"] = "7"  # the older one is closed
    assert [t.ref for t in desk.list_open(ALICE)] == [ref.ref]
    assert fake.seen[-1].query["sysparm_query"].startswith("caller_id.email=alice@northbrook.example^active=true")
    desk.add_comment(ref.ref, "Now on my second laptop too")
    assert fake.seen[-1].method == "PATCH" and fake.incidents[-1]["comments"] == ["Now on my second laptop too"]
    with pytest.raises(TicketNotFound):
        desk.get_status("INC0099999")


def test_bearer_token_auth(servicenow: tuple[FakeServiceNow, ServiceNowDesk]) -> None:
    fake, _ = servicenow
    desk = ServiceNowDesk.from_env({"ASKIT_SERVICENOW_URL": fake.url, "ASKIT_SERVICENOW_TOKEN": TOKEN})
    assert desk.get_status("INC0010001").ref == "INC0010001"
    assert fake.seen[-1].headers["authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in repr(desk.client)


def test_the_latest_reply_is_the_newest_additional_comment_by_the_desk(
    servicenow: tuple[FakeServiceNow, ServiceNowDesk],
) -> None:
    fake, desk = servicenow
    fake.add_reply("INC0010001", "Which tray jams?", at="2026-11-21 09:00:00")
    fake.add_reply("INC0010001", "An engineer visits on Tuesday.", at="2026-11-21 11:30:00")
    fake.add_work_note("INC0010001", "Out of warranty, do not promise a swap", at="2026-11-21 12:00:00")
    fake.add_reply("INC0010001", "Tray 2, every time", at="2026-11-21 13:00:00", by="alice.example")  # the portal
    desk.add_comment("INC0010001", "It jams on every page now")  # newest of all, through AskIT
    reply = desk.latest_reply("INC0010001")
    assert reply == DeskReply(
        "An engineer visits on Tuesday.", dt.datetime(2026, 11, 21, 11, 30, tzinfo=dt.timezone.utc)
    )
    lookup, journal = fake.seen[-2:]
    assert (lookup.path, lookup.query["sysparm_query"]) == ("/api/now/table/incident", "number=INC0010001")
    sys_id = fake.incidents[0]["sys_id"]
    assert (journal.method, journal.path) == ("GET", "/api/now/table/sys_journal_field")
    assert journal.query == {
        "sysparm_query": f"element_id={sys_id}^element=comments^sys_created_by!=javascript:gs.getUserName()"
        "^sys_created_by!=alice.example^ORDERBYDESCsys_created_on",
        "sysparm_fields": "value,sys_created_on",
        "sysparm_limit": "1",
        "sysparm_display_value": "false",  # sys_created_on in UTC, not the integration user's time zone
        "sysparm_exclude_reference_link": "true",
    }


def test_no_reply_yet_is_none(servicenow: tuple[FakeServiceNow, ServiceNowDesk]) -> None:
    fake, desk = servicenow
    assert desk.latest_reply("INC0010001") is None
    ref = desk.create_ticket(ticket_request())
    desk.add_comment(ref.ref, "Any news?")
    fake.add_work_note(ref.ref, "Waiting for the network team")
    fake.add_reply(ref.ref, "Still happening", by="alice.example")
    assert desk.latest_reply(ref.ref) is None
    fake.add_reply(ref.ref, "The VPN concentrator was patched: try again?")
    reply = desk.latest_reply(ref.ref)
    assert reply is not None and reply.text == "The VPN concentrator was patched: try again?"
    with pytest.raises(TicketNotFound):
        desk.latest_reply("INC0099999")


def test_the_requesters_comments_through_an_oauth_integration_are_theirs_too(
    servicenow: tuple[FakeServiceNow, ServiceNowDesk],
) -> None:
    fake, _ = servicenow
    desk = ServiceNowDesk.from_env({"ASKIT_SERVICENOW_URL": fake.url, "ASKIT_SERVICENOW_TOKEN": TOKEN})
    fake.add_reply("INC0010001", "Which tray jams?", at="2026-11-21 09:00:00")
    desk.add_comment("INC0010001", "Tray 2")
    assert fake.journal[-1]["sys_created_by"] == TOKEN_USER
    reply = desk.latest_reply("INC0010001")
    assert reply is not None and reply.text == "Which tray jams?"


def test_a_caller_name_with_a_caret_is_encoded(servicenow: tuple[FakeServiceNow, ServiceNowDesk]) -> None:
    fake, desk = servicenow
    incident = fake.add_incident("o'brien^x@riverside.example", "Laptop will not start")
    fake.add_reply(incident["number"], "Hold the power button for 30 seconds", at="2026-11-21 09:00:00")
    fake.add_reply(incident["number"], "Done, no change", at="2026-11-21 10:00:00", by="pat.o^brien")
    reply = desk.latest_reply(incident["number"])
    assert reply is not None and reply.text == "Hold the power button for 30 seconds"
    assert "^sys_created_by!=pat.o^^brien^" in fake.seen[-1].query["sysparm_query"]


def test_html_in_a_journal_entry_is_read_as_plain_text() -> None:
    assert journal_text("Restart the laptop.\n") == "Restart the laptop."
    markup = "Steps: [code]<p>Hold <b>power</b> &amp; wait<br/>then retry</p>[/code]"
    assert journal_text(markup) == "Steps: Hold power & wait\nthen retry"


@pytest.mark.parametrize(
    "missing,named",
    [("ASKIT_SERVICENOW_URL", "ASKIT_SERVICENOW_URL"), ("ASKIT_SERVICENOW_USER", "ASKIT_SERVICENOW_TOKEN")],
)
def test_registry_names_a_missing_setting(missing: str, named: str) -> None:
    env = settings("https://council.service-now.com")
    del env[missing]
    with pytest.raises(ConfigError, match=named):
        create_service_desk(env)
