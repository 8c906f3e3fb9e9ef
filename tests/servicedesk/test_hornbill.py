from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterator

import pytest

from bot.servicedesk import AuthenticationFailed, ConfigError, DeskReply, RejectedData, Requester, TicketNotFound
from bot.servicedesk.errors import ServiceDeskError
from bot.servicedesk.hornbill import HornbillDesk
from tests.servicedesk.contract import ALICE, FAILURES, OPERATIONS, TIMEOUT, DeskCase, failure_tests, ticket_request
from tests.servicedesk.fake_hornbill import API_KEY, INSTANCE, TIMELINE_START, FakeHornbill

XMLMC = f"/{INSTANCE}/xmlmc"


def make_fake() -> FakeHornbill:
    fake = FakeHornbill()
    fake.add_request("alice@northbrook.example", "Printer jams", reference="older")
    return fake


def settings(url: str) -> dict[str, str]:
    return {
        "ASKIT_SERVICE_DESK": "hornbill",
        "ASKIT_HORNBILL_INSTANCE": INSTANCE,
        "ASKIT_HORNBILL_API_KEY": API_KEY,
        "ASKIT_HORNBILL_ZONEINFO_URL": url,
        "ASKIT_HORNBILL_GROUPS": json.dumps({"network": "Service Desk/Network"}),
        "ASKIT_HORNBILL_PRIORITIES": json.dumps({"P1": "1", "P2": "2", "P3": "3", "P4": "4"}),
        "ASKIT_HORNBILL_CATEGORIES": json.dumps({"connectivity": "cat-connectivity"}),
    }


CASE = DeskCase(
    fake=make_fake,
    adapter=HornbillDesk.from_env,
    env=settings,
    secrets=(API_KEY,),
    existing_ref="IN00012345",
    # XMLMC reports a missing record in the body; an HTTP 404 means a wrong zoneinfo or endpoint (every
    # operation, "reply" included, so no operation is listed here)
    not_found={},
)
test_failures = failure_tests(CASE)


@pytest.fixture
def hornbill() -> Iterator[tuple[FakeHornbill, HornbillDesk]]:
    fake, desk = CASE.start()
    assert isinstance(fake, FakeHornbill) and isinstance(desk, HornbillDesk)
    yield fake, desk
    fake.stop()


@pytest.mark.parametrize("operation", list(OPERATIONS))
@pytest.mark.parametrize("failure,error", FAILURES, ids=[str(f) for f, _ in FAILURES])
def test_xmlmc_failures_after_the_endpoint_is_known(
    operation: str, failure: int | str, error: type[ServiceDeskError], caplog: pytest.LogCaptureFixture
) -> None:
    """The shared matrix fails the zoneinfo lookup (the first call); this fails the XMLMC call itself."""
    fake, desk = CASE.start()
    try:
        desk.get_status(CASE.existing_ref)
        fake.fail_next(failure)
        with caplog.at_level(logging.DEBUG), pytest.raises(ConfigError if failure == 404 else error):
            OPERATIONS[operation](desk, CASE)
        assert fake.seen[-1].path.startswith(XMLMC)
    finally:
        fake.stop()
    assert API_KEY not in caplog.text


def test_zoneinfo_is_read_once_and_logincident_is_posted(hornbill: tuple[FakeHornbill, HornbillDesk]) -> None:
    fake, desk = hornbill
    ref = desk.create_ticket(ticket_request())
    zoneinfo, post = fake.seen
    assert (zoneinfo.method, zoneinfo.path) == ("GET", f"/instances/{INSTANCE}/zoneinfo")
    assert "authorization" not in zoneinfo.headers  # the API key goes to the instance only
    assert (post.method, post.path, post.query) == (
        "POST",
        f"{XMLMC}/apps/com.hornbill.servicemanager/Incidents/",
        {"method": "logIncident"},
    )
    assert post.headers["authorization"] == f"ESP-APIKEY {API_KEY}"
    assert post.headers["content-type"] == "application/json" and post.headers["accept"] == "application/json"
    body = post.json()
    assert (body["@service"], body["@method"]) == ("apps/com.hornbill.servicemanager/Incidents", "logIncident")
    params = body["params"]
    assert (params["summary"], params["customerId"], params["customerType"]) == (
        "VPN drops every hour",
        "alice@northbrook.example",
        "0",
    )
    assert (params["teamId"], params["priorityId"], params["categoryId"]) == (
        "Service Desk/Network",
        "2",
        "cat-connectivity",
    )
    assert json.loads(params["questionFieldMap"]) == {"h_external_ref_number": "3f1c2a9e-askit-corr-0001"}
    assert params["description"].endswith("AskIT reference: 3f1c2a9e-askit-corr-0001")
    assert ref.ref == "IN00012346"
    assert ref.url == f"https://live.hornbill.com/{INSTANCE}/servicemanager/request/view/IN00012346"
    desk.get_status(ref.ref)
    assert len([s for s in fake.seen if s.path.endswith("/zoneinfo")]) == 1


def test_find_status_list_and_comment(hornbill: tuple[FakeHornbill, HornbillDesk]) -> None:
    fake, desk = hornbill
    assert desk.find_by_correlation("3f1c2a9e-askit-corr-0001") is None
    browse = fake.seen[-1].json()
    assert (browse["@service"], browse["@method"]) == ("data", "entityBrowseRecords2")
    assert browse["params"]["searchFilter"] == [
        {"column": "h_external_ref_number", "value": "3f1c2a9e-askit-corr-0001", "matchType": "exact"}
    ]
    ref = desk.create_ticket(ticket_request())
    assert desk.find_by_correlation("3f1c2a9e-askit-corr-0001") == ref

    status = desk.get_status(ref.ref)
    assert fake.seen[-1].json()["params"] == {
        "application": "com.hornbill.servicemanager",
        "entity": "Requests",
        "keyValue": ref.ref,
    }
    assert (status.ref, status.status, status.summary) == (ref.ref, "new", "VPN drops every hour")
    assert status.belongs_to(ALICE) and not status.belongs_to(Requester("web:bob", "bob@northbrook.example"))

    fake.add_request("bob@northbrook.example", "Someone else's")
    fake.add_request("alice@northbrook.example", "Done already", status="status.closed")
    assert [t.ref for t in desk.list_open(ALICE)] == [ref.ref, "IN00012345"]  # newest first
    listed = fake.seen[-1].json()["params"]
    assert {"column": "h_fk_user_id", "value": "alice@northbrook.example", "matchType": "exact"} in listed[
        "searchFilter"
    ]
    assert listed["orderBy"] == [{"column": "h_datelogged", "direction": "descending"}]
    fake.requests[0]["h_status"] = "status.resolved"
    assert [t.ref for t in desk.list_open(ALICE)] == [ref.ref]

    desk.add_comment(ref.ref, "Now on my second laptop too")
    comment = fake.seen[-1].json()
    assert comment["@method"] == "updateReqTimeline" and fake.seen[-1].query == {"method": "updateReqTimeline"}
    assert comment["params"] == {
        "requestId": ref.ref,
        "content": "Now on my second laptop too",
        "visibility": "trustedGuest",
        "extra": json.dumps({"askit": "requester-comment"}),  # how latest_reply knows these are not the desk's
    }
    assert fake.timeline[ref.ref][0]["content"] == "Now on my second laptop too"


def minutes(n: int) -> dt.datetime:
    return TIMELINE_START + dt.timedelta(minutes=n)


def test_the_latest_reply_is_the_newest_update_the_customer_can_see(
    hornbill: tuple[FakeHornbill, HornbillDesk],
) -> None:
    fake, desk = hornbill
    ref = CASE.existing_ref
    assert desk.latest_reply(ref) is None  # a timeline with nothing on it yet

    fake.add_update(ref, "Could you restart the VPN client?", at=minutes(1))
    fake.add_update(ref, "  We have replaced the VPN profile; please try again.\n", visibility="public", at=minutes(5))
    reply = desk.latest_reply(ref)
    assert reply == DeskReply("We have replaced the VPN profile; please try again.", minutes(5))

    record, token, query = fake.seen[-3:]
    assert (record.json()["@method"], record.json()["params"]) == (
        "entityGetRecord",
        {"application": "com.hornbill.servicemanager", "entity": "Requests", "keyValue": ref},
    )
    assert (token.path, token.query) == (f"{XMLMC}/data/", {"method": "entityGetActivityStreamAccessToken"})
    assert token.json()["params"] == {
        "application": "com.hornbill.servicemanager",
        "entity": "Requests",
        "keyValue": ref,
    }
    assert (query.path, query.query) == (f"{XMLMC}/activity/", {"method": "activityStreamQuery"})
    assert query.json() == {
        "@service": "activity",
        "@method": "activityStreamQuery",
        "params": {"activityStreamID": f"urn:buzz:activityStream:{ref}", "accessToken": f"ast-2-{ref}"},
    }


def test_internal_notes_system_entries_and_the_requesters_own_words_are_never_the_reply(
    hornbill: tuple[FakeHornbill, HornbillDesk],
) -> None:
    fake, desk = hornbill
    ref = CASE.existing_ref
    fake.add_update(ref, "Escalating to network: their firewall again", visibility="colleague", at=minutes(9))
    fake.add_update(ref, "Manager note", visibility="manager", at=minutes(10))
    assert desk.latest_reply(ref) is None  # internal notes only, however new

    fake.add_update(ref, "We are looking into it", at=minutes(2))
    fake.add_update(ref, "Status changed to Open", visibility="public", kind="System", at=minutes(11))
    fake.add_update(ref, "It still drops every hour", by="alice@northbrook.example", at=minutes(12))
    desk.add_comment(ref, "And now on my second laptop")  # posted by the integration account, after all the above
    fake.add_update(ref, "Internal: check the concentrator logs", visibility="colleague", at=minutes(30))
    assert fake.streams[f"urn:buzz:activityStream:{ref}"][-2]["actor"]["id"] == "askit.integration"
    assert desk.latest_reply(ref) == DeskReply("We are looking into it", minutes(2))


def test_a_single_post_and_a_request_without_a_timeline(hornbill: tuple[FakeHornbill, HornbillDesk]) -> None:
    fake, desk = hornbill
    fake.add_update(CASE.existing_ref, "Fixed: please reboot", at=minutes(3))  # XMLMC sends one item as an object
    assert desk.latest_reply(CASE.existing_ref) == DeskReply("Fixed: please reboot", minutes(3))

    bare = fake.add_request("alice@northbrook.example", "Imported without a timeline")
    bare["h_activity_stream_id"] = ""
    calls = len(fake.seen)
    assert desk.latest_reply(bare["h_pk_reference"]) is None
    assert len(fake.seen) == calls + 1  # the record says there is no timeline: nothing more is asked


def test_the_latest_reply_of_a_request_that_is_not_there(hornbill: tuple[FakeHornbill, HornbillDesk]) -> None:
    fake, desk = hornbill
    with pytest.raises(TicketNotFound):
        desk.latest_reply("IN09999999")
    assert fake.seen[-1].json()["@method"] == "entityGetRecord" and not fake.tokens


def test_the_group_is_the_team_name_the_request_is_with(hornbill: tuple[FakeHornbill, HornbillDesk]) -> None:
    fake, desk = hornbill
    ref = desk.create_ticket(ticket_request())
    assert fake.requests[-1]["h_fk_team_id"] == "Service Desk/Network"
    assert desk.get_status(ref.ref).group == "Network Support"  # the name, not the team ID
    assert desk.get_status(CASE.existing_ref).group is None  # no team yet
    assert [t.group for t in desk.list_open(ALICE)] == ["Network Support", None]


def test_a_ticket_that_is_not_there(hornbill: tuple[FakeHornbill, HornbillDesk]) -> None:
    _, desk = hornbill
    with pytest.raises(TicketNotFound):
        desk.get_status("IN09999999")
    with pytest.raises(TicketNotFound, match="RequestNotFound"):
        desk.add_comment("IN09999999", "hello?")


@pytest.mark.parametrize(
    "error,raised",
    [
        ("Authentication failed: the API key has been revoked", AuthenticationFailed),
        ("You do not have the required rights to perform this operation", AuthenticationFailed),
        ("Input validation failed: summary is too long", RejectedData),
    ],
)
def test_failures_in_an_http_200_answer_are_typed(
    hornbill: tuple[FakeHornbill, HornbillDesk], error: str, raised: type[ServiceDeskError]
) -> None:
    fake, desk = hornbill
    desk.get_status(CASE.existing_ref)
    fake.in_band_error = error
    with pytest.raises(raised, match="logIncident failed"):
        desk.create_ticket(ticket_request())


def test_a_flowcode_exception_is_rejected_data(hornbill: tuple[FakeHornbill, HornbillDesk]) -> None:
    _, desk = hornbill
    desk.priorities["P2"] = "99"
    with pytest.raises(RejectedData, match="InvalidInput: Invalid priorityId"):
        desk.create_ticket(ticket_request())


def test_customer_by_id_and_a_requester_without_one(hornbill: tuple[FakeHornbill, HornbillDesk]) -> None:
    fake, _ = hornbill
    by_id = HornbillDesk.from_env(
        {**settings(fake.url), "ASKIT_HORNBILL_CUSTOMER_ID": "id", "ASKIT_DESK_TIMEOUT": TIMEOUT}
    )
    by_id.create_ticket(ticket_request("corr-by-id"))
    assert fake.seen[-1].json()["params"]["customerId"] == "teams:alice-aad-id"

    by_email = HornbillDesk.from_env(settings(fake.url))
    by_email.create_ticket(ticket_request("corr-no-email", requester=Requester(id="web:sam")))
    params = fake.seen[-1].json()["params"]
    assert "customerId" not in params and params["description"].startswith("Requester (no Hornbill user ID): web:sam")
    assert by_email.list_open(Requester(id="web:sam")) == []


def test_an_unknown_instance_is_a_config_error(hornbill: tuple[FakeHornbill, HornbillDesk]) -> None:
    fake, _ = hornbill
    desk = HornbillDesk.from_env({**settings(fake.url), "ASKIT_HORNBILL_INSTANCE": "nowhere"})
    with pytest.raises(ConfigError, match="Instance not found"):
        desk.get_status("IN00012345")


@pytest.mark.parametrize(
    "change,named",
    [
        ({"ASKIT_HORNBILL_INSTANCE": ""}, "ASKIT_HORNBILL_INSTANCE"),
        ({"ASKIT_HORNBILL_API_KEY": ""}, "ASKIT_HORNBILL_API_KEY"),
        ({"ASKIT_HORNBILL_CUSTOMER_ID": "upn"}, "ASKIT_HORNBILL_CUSTOMER_ID"),
        ({"ASKIT_HORNBILL_ZONEINFO_URL": "files.hornbill.com"}, "ASKIT_HORNBILL_ZONEINFO_URL"),
        ({"ASKIT_HORNBILL_GROUPS": "[1]"}, "ASKIT_HORNBILL_GROUPS"),
    ],
)
def test_a_bad_or_missing_setting_is_named(change: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        HornbillDesk.from_env({**settings("https://files.hornbill.com"), **change})


def test_the_default_zoneinfo_url_and_no_secret_in_repr() -> None:
    env = settings("unused")
    del env["ASKIT_HORNBILL_ZONEINFO_URL"]
    desk = HornbillDesk.from_env(env)
    assert desk.zoneinfo.base_url == "https://files.hornbill.com"
    assert API_KEY not in repr(desk.zoneinfo) and API_KEY not in repr(vars(desk))
