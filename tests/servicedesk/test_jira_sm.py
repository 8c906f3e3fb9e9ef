from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest

from bot.servicedesk import ConfigError, DeskReply, RejectedData, Requester, TicketNotFound
from bot.servicedesk.errors import Unsupported
from bot.servicedesk.jira_sm import MAX_COMMENT_PAGES, JiraSmDesk
from tests.servicedesk.contract import ALICE, TIMEOUT, DeskCase, failure_tests, ticket_request
from tests.servicedesk.fake_jira_sm import API_TOKEN, EMAIL, PAT, FakeJiraSM, moment
from tests.servicedesk.fakedesk import Seen

BASIC = "Basic " + base64.b64encode(f"{EMAIL}:{API_TOKEN}".encode()).decode()
ALICE_ACCOUNT = "5b10ac8d82e05b22cc7d4ef5"


def make_fake(cloud: bool = True) -> FakeJiraSM:
    fake = FakeJiraSM(cloud)
    fake.add_request("alice@northbrook.example", "Printer jams")
    return fake


def settings(url: str) -> dict[str, str]:
    return {
        "ASKIT_SERVICE_DESK": "jira_sm",
        "ASKIT_JIRA_URL": url,
        "ASKIT_JIRA_EMAIL": EMAIL,
        "ASKIT_JIRA_API_TOKEN": API_TOKEN,
        "ASKIT_JIRA_SERVICE_DESK_ID": "4",
        "ASKIT_JIRA_REQUEST_TYPE": "11",
        "ASKIT_JIRA_REQUEST_TYPES": json.dumps({"network": "12"}),
        "ASKIT_JIRA_PRIORITIES": json.dumps({"P1": "Highest", "P2": "High", "P3": "Medium", "P4": "Low"}),
    }


def dc_settings(url: str) -> dict[str, str]:
    env = {**settings(url), "ASKIT_JIRA_PAT": PAT, "ASKIT_JIRA_PROJECT": "ITS"}
    del env["ASKIT_JIRA_EMAIL"], env["ASKIT_JIRA_API_TOKEN"]
    return env


CASE = DeskCase(
    fake=make_fake,
    adapter=JiraSmDesk.from_env,
    env=settings,
    secrets=(API_TOKEN, EMAIL),
    existing_ref="ITS-101",
)
test_failures = failure_tests(CASE)
DC_CASE = DeskCase(
    fake=lambda: make_fake(cloud=False),
    adapter=JiraSmDesk.from_env,
    env=dc_settings,
    secrets=(PAT,),
    existing_ref="ITS-101",
)
test_data_center_failures = failure_tests(DC_CASE)


@pytest.fixture
def jira() -> Iterator[tuple[FakeJiraSM, JiraSmDesk]]:
    fake, desk = CASE.start()
    assert isinstance(fake, FakeJiraSM) and isinstance(desk, JiraSmDesk)
    yield fake, desk
    fake.stop()


@pytest.fixture
def jira_dc() -> Iterator[tuple[FakeJiraSM, JiraSmDesk]]:
    fake, desk = DC_CASE.start()
    assert isinstance(fake, FakeJiraSM) and isinstance(desk, JiraSmDesk)
    yield fake, desk
    fake.stop()


def test_create_looks_up_the_customer_and_raises_on_their_behalf(jira: tuple[FakeJiraSM, JiraSmDesk]) -> None:
    fake, desk = jira
    ref = desk.create_ticket(ticket_request())
    lookup, post = fake.seen[-2:]
    assert (lookup.method, lookup.path, lookup.query) == (
        "GET",
        "/rest/api/2/user/search",
        {"query": "alice@northbrook.example", "maxResults": "10"},
    )
    assert (post.method, post.path) == ("POST", "/rest/servicedeskapi/request")
    assert post.headers["authorization"] == BASIC and post.headers["content-type"] == "application/json"
    body = post.json()
    assert (body["serviceDeskId"], body["requestTypeId"], body["raiseOnBehalfOf"]) == ("4", "12", ALICE_ACCOUNT)
    values = body["requestFieldValues"]
    assert (values["summary"], values["priority"]) == ("VPN drops every hour", {"name": "High"})
    assert values["description"].endswith("\n\nAskIT reference: 3f1c2a9e-askit-corr-0001")
    assert "Conversation transcript" in values["description"]
    assert ref.ref == "ITS-102" and ref.url == f"{fake.url}/servicedesk/customer/portal/2/ITS-102"


def test_find_status_list_and_comment(jira: tuple[FakeJiraSM, JiraSmDesk]) -> None:
    fake, desk = jira
    assert desk.find_by_correlation("3f1c2a9e-askit-corr-0001") is None
    search = fake.seen[-1]
    assert (search.path, search.query["jql"]) == (
        "/rest/api/2/search/jql",
        'text ~ "\\"3f1c2a9e-askit-corr-0001\\"" ORDER BY created DESC',
    )
    ref = desk.create_ticket(ticket_request())
    assert desk.find_by_correlation("3f1c2a9e-askit-corr-0001") == ref
    assert desk.find_by_correlation("3f1c2a9e-askit-corr-00") is None  # a phrase hit must be the whole reference

    status = desk.get_status(ref.ref)
    assert (fake.seen[-1].method, fake.seen[-1].path) == ("GET", "/rest/servicedeskapi/request/ITS-102")
    assert (status.ref, status.status, status.summary) == (ref.ref, "waiting for support", "VPN drops every hour")
    assert status.url == ref.url and status.updated_at.year == 2026
    assert status.belongs_to(ALICE) and not status.belongs_to(Requester("web:bob", "bob@northbrook.example"))

    fake.add_request("bob@northbrook.example", "Someone else's")
    fake.add_request("alice@northbrook.example", "Done already", status="Resolved")
    assert [t.ref for t in desk.list_open(ALICE)] == ["ITS-102", "ITS-101"]  # newest first
    jql = fake.seen[-1].query["jql"]
    assert jql == f'reporter = "{ALICE_ACCOUNT}" AND statusCategory != Done ORDER BY created DESC'
    fake.requests[0]["status"] = "Closed"
    open_now = desk.list_open(ALICE)
    assert [t.ref for t in open_now] == ["ITS-102"] and open_now[0].belongs_to(ALICE)

    desk.add_comment(ref.ref, "Now on my second laptop too")
    comment = fake.seen[-1]
    assert (comment.method, comment.path) == ("POST", "/rest/servicedeskapi/request/ITS-102/comment")
    assert comment.json() == {"body": "Now on my second laptop too", "public": True}
    with pytest.raises(TicketNotFound):
        desk.get_status("ITS-999")
    with pytest.raises(TicketNotFound):
        desk.add_comment("ITS-999", "hello?")


def test_data_center_uses_a_bearer_token_usernames_and_the_v2_search(jira_dc: tuple[FakeJiraSM, JiraSmDesk]) -> None:
    fake, desk = jira_dc
    ref = desk.create_ticket(ticket_request())
    lookup, post = fake.seen[-2:]
    assert lookup.query == {"username": "alice@northbrook.example", "maxResults": "10"}
    assert post.headers["authorization"] == f"Bearer {PAT}" and post.json()["raiseOnBehalfOf"] == "alice"
    assert desk.find_by_correlation("3f1c2a9e-askit-corr-0001") == ref
    assert fake.seen[-2].path == "/rest/api/2/search"
    assert fake.seen[-2].query["jql"].startswith('project = "ITS" AND text ~ ')
    assert [t.ref for t in desk.list_open(ALICE)] == ["ITS-102", "ITS-101"]
    assert 'reporter = "alice" AND statusCategory != Done' in fake.seen[-1].query["jql"]
    assert desk.get_status(ref.ref).belongs_to(ALICE)
    assert PAT not in repr(desk.client)


def test_a_requester_without_an_account_is_named_in_the_description(jira: tuple[FakeJiraSM, JiraSmDesk]) -> None:
    fake, desk = jira
    stranger = Requester(id="web:sam", email="sam@southmere.example")
    desk.create_ticket(ticket_request("corr-sam", requester=stranger))
    body = fake.seen[-1].json()
    assert "raiseOnBehalfOf" not in body
    assert body["requestFieldValues"]["description"].startswith("Requester (no Jira account found): sam@southmere")
    assert desk.list_open(stranger) == [] and desk.list_open(Requester(id="web:anon")) == []


def test_the_desk_refuses_bad_content_with_its_error_body(jira: tuple[FakeJiraSM, JiraSmDesk]) -> None:
    _, desk = jira
    desk.priorities["P2"] = "Urgent!"
    with pytest.raises(RejectedData, match="Priority: invalid value"):
        desk.create_ticket(ticket_request())


@pytest.mark.parametrize(
    "change,named",
    [
        ({"ASKIT_JIRA_URL": ""}, "ASKIT_JIRA_URL"),
        ({"ASKIT_JIRA_EMAIL": ""}, "ASKIT_JIRA_PAT"),
        ({"ASKIT_JIRA_API_TOKEN": ""}, "ASKIT_JIRA_API_TOKEN"),
        ({"ASKIT_JIRA_SERVICE_DESK_ID": ""}, "ASKIT_JIRA_SERVICE_DESK_ID"),
        ({"ASKIT_JIRA_REQUEST_TYPE": ""}, "ASKIT_JIRA_REQUEST_TYPE"),
        ({"ASKIT_JIRA_REQUEST_TYPES": "not json"}, "ASKIT_JIRA_REQUEST_TYPES"),
    ],
)
def test_a_missing_or_bad_setting_is_named(change: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        JiraSmDesk.from_env({**settings("https://council.atlassian.net"), **change, "ASKIT_DESK_TIMEOUT": TIMEOUT})


def test_a_wrong_service_desk_id_is_a_config_error(jira: tuple[FakeJiraSM, JiraSmDesk]) -> None:
    _, desk = jira
    desk.service_desk_id = "99"
    with pytest.raises(ConfigError, match="does not exist"):
        desk.create_ticket(ticket_request())


def comment_calls(fake: FakeJiraSM) -> list[Seen]:
    return [s for s in fake.seen if s.path.endswith("/comment") and s.method == "GET"]


def test_the_latest_reply_is_the_newest_public_agent_comment(jira: tuple[FakeJiraSM, JiraSmDesk]) -> None:
    fake, desk = jira
    assert desk.latest_reply("ITS-101") is None  # nothing said yet
    request, myself, comments = fake.seen
    assert (request.method, request.path) == ("GET", "/rest/servicedeskapi/request/ITS-101")
    assert (myself.method, myself.path) == ("GET", "/rest/api/2/myself")
    assert (comments.method, comments.path, comments.query) == (
        "GET",
        "/rest/servicedeskapi/request/ITS-101/comment",
        {"public": "true", "internal": "false", "start": "0", "limit": "50"},
    )
    assert comments.headers["authorization"] == BASIC

    fake.add_customer_comment("ITS-101", "Still jamming, any news?")
    desk.add_comment("ITS-101", "It jams on A3 too")  # AskIT posts the requester's words as itself
    assert desk.latest_reply("ITS-101") is None  # neither is the desk's reply

    fake.add_reply("ITS-101", "We have ordered a new fuser.")
    second = fake.add_reply("ITS-101", "  The engineer comes on Tuesday.\n")
    fake.add_customer_comment("ITS-101", "Thanks!")
    fake.add_internal_note("ITS-101", "Fuser is back-ordered, tell them Thursday")  # newer, but internal
    reply = desk.latest_reply("ITS-101")
    assert reply == DeskReply("The engineer comes on Tuesday.", moment(second["minute"]))
    assert reply is not None and reply.at is not None and reply.at.tzinfo is not None
    assert [s.path for s in fake.seen].count("/rest/api/2/myself") == 1  # who AskIT is, asked once


def test_the_latest_reply_is_found_on_the_last_page(jira: tuple[FakeJiraSM, JiraSmDesk]) -> None:
    fake, desk = jira
    fake.max_limit = 2  # the server pages in twos whatever AskIT asks for
    for n in range(3):
        fake.add_reply("ITS-101", f"update {n}")
        fake.add_customer_comment("ITS-101", f"thanks {n}")
    fake.add_reply("ITS-101", "fixed, please try again")
    fake.add_internal_note("ITS-101", "closing if no answer")
    before = len(comment_calls(fake))
    reply = desk.latest_reply("ITS-101")
    assert reply is not None and reply.text == "fixed, please try again"
    pages = comment_calls(fake)[before:]
    assert [(p.query["start"], p.query["limit"]) for p in pages] == [("0", "50"), ("2", "50"), ("4", "50"), ("6", "50")]


def test_paging_is_bounded(jira: tuple[FakeJiraSM, JiraSmDesk]) -> None:
    fake, desk = jira
    fake.max_limit = 1
    for n in range(MAX_COMMENT_PAGES + 1):
        fake.add_reply("ITS-101", f"update {n}")
    with pytest.raises(Unsupported):
        desk.latest_reply("ITS-101")
    assert len(comment_calls(fake)) == MAX_COMMENT_PAGES


def test_the_latest_reply_of_an_unknown_request_is_not_found(jira: tuple[FakeJiraSM, JiraSmDesk]) -> None:
    fake, desk = jira
    with pytest.raises(TicketNotFound):
        desk.latest_reply("ITS-999")
    assert comment_calls(fake) == []


def test_data_center_tells_authors_apart_by_user_key(jira_dc: tuple[FakeJiraSM, JiraSmDesk]) -> None:
    fake, desk = jira_dc
    fake.add_reply("ITS-101", "Replaced the drum.")
    fake.add_customer_comment("ITS-101", "Works now")
    desk.add_comment("ITS-101", "Thank you")
    reply = desk.latest_reply("ITS-101")
    assert reply is not None and reply.text == "Replaced the drum."
    assert fake.seen[-1].headers["authorization"] == f"Bearer {PAT}"
