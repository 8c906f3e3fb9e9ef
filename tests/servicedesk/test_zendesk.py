from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
from collections.abc import Iterator

import pytest

from bot.servicedesk import ConfigError, DeskReply, Requester, TicketNotFound
from bot.servicedesk.errors import RejectedData
from bot.servicedesk.zendesk import ZendeskDesk, comment_text
from tests.servicedesk.contract import ALICE, DeskCase, failure_tests, ticket_request
from tests.servicedesk.fake_zendesk import AGENT_EMAIL, AGENT_ID, ANALYST_ID, API_TOKEN, FakeZendesk

BASIC = "Basic " + base64.b64encode(f"{AGENT_EMAIL}/token:{API_TOKEN}".encode()).decode()


def make_fake() -> FakeZendesk:
    fake = FakeZendesk()
    fake.add_ticket("alice@northbrook.example", "Printer jams")
    return fake


def settings(url: str) -> dict[str, str]:
    return {
        "ASKIT_ZENDESK_URL": url,
        "ASKIT_ZENDESK_EMAIL": AGENT_EMAIL,
        "ASKIT_ZENDESK_API_TOKEN": API_TOKEN,
        "ASKIT_ZENDESK_GROUPS": json.dumps({"network": "360001"}),
    }


CASE = DeskCase(
    fake=make_fake,
    adapter=ZendeskDesk.from_env,
    env=settings,
    secrets=(API_TOKEN, f"{AGENT_EMAIL}/token"),
    existing_ref="1001",
)
test_failures = failure_tests(CASE)


@pytest.fixture
def zendesk() -> Iterator[tuple[FakeZendesk, ZendeskDesk]]:
    fake, desk = CASE.start()
    assert isinstance(fake, FakeZendesk) and isinstance(desk, ZendeskDesk)
    yield fake, desk
    fake.stop()


def test_create_posts_one_ticket_with_an_idempotency_key(zendesk: tuple[FakeZendesk, ZendeskDesk]) -> None:
    fake, desk = zendesk
    ref = desk.create_ticket(ticket_request())
    (post,) = fake.seen
    assert (post.method, post.path, post.headers["authorization"]) == ("POST", "/api/v2/tickets", BASIC)
    assert post.headers["idempotency-key"] == "3f1c2a9e-askit-corr-0001"
    assert post.headers["content-type"] == "application/json"
    ticket = post.json()["ticket"]
    assert ticket["subject"] == "VPN drops every hour"
    assert ticket["requester"] == {"name": "Alice Example", "email": "alice@northbrook.example"}
    assert ticket["comment"]["public"] is False and "Conversation transcript" in ticket["comment"]["body"]
    assert (ticket["priority"], ticket["type"], ticket["group_id"]) == ("high", "incident", 360001)
    assert (ticket["external_id"], ticket["tags"]) == ("3f1c2a9e-askit-corr-0001", ["askit", "connectivity"])
    assert ref.ref == "1002" and ref.url == f"{fake.url}/hc/requests/1002"


def test_a_repeated_create_returns_the_same_ticket(zendesk: tuple[FakeZendesk, ZendeskDesk]) -> None:
    fake, desk = zendesk
    first = desk.create_ticket(ticket_request())
    assert desk.create_ticket(ticket_request()) == first
    assert len(fake.tickets) == 2  # the seeded ticket and one new one
    changed = dataclasses.replace(ticket_request(), summary="VPN drops every minute")
    with pytest.raises(RejectedData, match="IdempotentRequestError"):
        desk.create_ticket(changed)


def test_a_requester_without_an_email_is_named_in_the_comment(zendesk: tuple[FakeZendesk, ZendeskDesk]) -> None:
    fake, desk = zendesk
    request = dataclasses.replace(ticket_request("corr-sam", Requester(id="web:sam")), category="User Access")
    desk.create_ticket(request)
    ticket = fake.seen[-1].json()["ticket"]
    assert "requester" not in ticket and ticket["tags"] == ["askit", "user_access"]
    assert ticket["comment"]["body"].startswith("Requester (no e-mail known to AskIT): web:sam\n\n")
    assert fake.tickets[-1]["requester_id"] == AGENT_ID


def test_find_status_list_and_comment(zendesk: tuple[FakeZendesk, ZendeskDesk]) -> None:
    fake, desk = zendesk
    assert desk.find_by_correlation("3f1c2a9e-askit-corr-0001") is None
    find = fake.seen[-1]
    assert (find.method, find.path, find.query) == (
        "GET",
        "/api/v2/tickets",
        {"external_id": "3f1c2a9e-askit-corr-0001"},
    )
    ref = desk.create_ticket(ticket_request())
    assert desk.find_by_correlation("3f1c2a9e-askit-corr-0001") == ref

    status = desk.get_status(ref.ref)
    show = fake.seen[-1]
    assert (show.method, show.path, show.query) == ("GET", "/api/v2/tickets/1002", {"include": "users"})
    assert (status.ref, status.status, status.summary) == ("1002", "new", "VPN drops every hour")
    assert status.belongs_to(ALICE) and not status.belongs_to(Requester("web:bob", "bob@northbrook.example"))
    assert desk.get_status("#1002") == status

    fake.add_ticket("alice@northbrook.example", "Monitor flickers", status="pending", updated_at="2026-11-21T08:00:00Z")
    fake.add_ticket("alice@northbrook.example", "Old laptop", status="solved", updated_at="2026-11-22T11:00:00Z")
    fake.add_ticket("bob@northbrook.example", "Bob's VPN")
    fake.tickets[0]["status"] = "closed"
    assert [(t.ref, t.status) for t in desk.list_open(ALICE)] == [("1002", "new"), ("1003", "pending")]
    search = fake.seen[-1]
    assert (search.method, search.path) == ("GET", "/api/v2/search")
    assert search.query == {
        "query": "type:ticket requester:alice@northbrook.example status<solved",
        "sort_by": "updated_at",
        "sort_order": "desc",
    }
    assert desk.list_open(Requester(id="web:sam")) == []

    desk.add_comment(ref.ref, "Now on my second laptop too")
    show, put = fake.seen[-2:]
    assert (show.method, show.path, put.method, put.path) == (
        "GET",
        "/api/v2/tickets/1002",
        "PUT",
        "/api/v2/tickets/1002",
    )
    alice_id = fake.tickets[1]["requester_id"]
    comment = {"body": "Now on my second laptop too", "public": True, "author_id": alice_id}
    assert put.json() == {"ticket": {"comment": comment}} and put.headers["authorization"] == BASIC
    assert {k: fake.comments[1002][-1][k] for k in comment} == comment
    with pytest.raises(RejectedData, match="closed prevents ticket update"):
        desk.add_comment("1001", "is it fixed?")


def test_unknown_tickets_are_not_found(zendesk: tuple[FakeZendesk, ZendeskDesk]) -> None:
    fake, desk = zendesk
    with pytest.raises(TicketNotFound):
        desk.get_status("9999")
    with pytest.raises(TicketNotFound):
        desk.add_comment("9999", "hello")
    calls = len(fake.seen)
    with pytest.raises(TicketNotFound):
        desk.get_status("INC-1")
    assert len(fake.seen) == calls


def test_the_latest_reply_is_the_newest_public_agent_comment(zendesk: tuple[FakeZendesk, ZendeskDesk]) -> None:
    fake, desk = zendesk
    fake.add_reply(1001, "Have you tried another tray?", created_at="2026-11-21T09:00:00Z")
    fake.add_reply(1001, "An engineer visits on Tuesday.", created_at="2026-11-21T11:30:00Z")
    fake.add_note(1001, "Printer is out of warranty, do not promise a swap", created_at="2026-11-21T12:00:00Z")
    alice_id = fake.tickets[0]["requester_id"]
    fake.add_comment(1001, "Replying from my e-mail", alice_id, created_at="2026-11-21T13:00:00Z")
    desk.add_comment("1001", "It jams on every page now")  # newest of all, in Alice's name
    assert desk.latest_reply("1001") == DeskReply(
        "An engineer visits on Tuesday.", dt.datetime(2026, 11, 21, 11, 30, tzinfo=dt.timezone.utc)
    )
    show, comments = fake.seen[-2:]
    assert (show.method, show.path) == ("GET", "/api/v2/tickets/1001")
    assert (comments.method, comments.path, comments.query) == (
        "GET",
        "/api/v2/tickets/1001/comments",
        {"sort_order": "desc"},
    )
    assert comments.headers["authorization"] == BASIC
    assert desk.latest_reply("#1001") == desk.latest_reply("1001")


def test_no_reply_yet_is_none(zendesk: tuple[FakeZendesk, ZendeskDesk]) -> None:
    fake, desk = zendesk
    assert desk.latest_reply("1001") is None  # no comments at all
    ref = desk.create_ticket(ticket_request())  # only the private transcript
    desk.add_comment(ref.ref, "Any news?")  # and the requester's own public comment
    fake.add_note(int(ref.ref), "Waiting for the network team")
    fake.add_comment(int(ref.ref), "", ANALYST_ID)  # an attachment without words
    assert desk.latest_reply(ref.ref) is None
    fake.add_reply(int(ref.ref), "The VPN concentrator was patched: try again?")
    reply = desk.latest_reply(ref.ref)
    assert reply is not None and reply.text == "The VPN concentrator was patched: try again?"


def test_the_latest_reply_of_an_unknown_ticket_is_not_found(zendesk: tuple[FakeZendesk, ZendeskDesk]) -> None:
    fake, desk = zendesk
    with pytest.raises(TicketNotFound):
        desk.latest_reply("9999")
    calls = len(fake.seen)
    with pytest.raises(TicketNotFound):
        desk.latest_reply("INC-1")
    assert len(fake.seen) == calls


def test_a_comment_is_read_as_plain_text() -> None:
    assert comment_text({"plain_body": "Fixed.", "body": "**Fixed.**", "html_body": "<p>Fixed.</p>"}) == "Fixed."
    assert comment_text({"body": "Fixed.\n"}) == "Fixed."
    markup = "<div><p>Try <b>again</b> &amp; tell us<br>if it works</p></div>"
    assert comment_text({"html_body": markup}) == "Try again & tell us\nif it works"
    assert comment_text({"attachments": [{"file_name": "log.txt"}]}) == ""


@pytest.mark.parametrize(
    "change,named",
    [
        ({"ASKIT_ZENDESK_URL": ""}, "ASKIT_ZENDESK_URL"),
        ({"ASKIT_ZENDESK_EMAIL": ""}, "ASKIT_ZENDESK_EMAIL"),
        ({"ASKIT_ZENDESK_API_TOKEN": ""}, "ASKIT_ZENDESK_API_TOKEN"),
        ({"ASKIT_ZENDESK_GROUPS": '{"network": "Network"}'}, "ASKIT_ZENDESK_GROUPS"),
    ],
)
def test_a_bad_setting_is_named(change: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        ZendeskDesk.from_env({**settings("https://council.zendesk.com"), **change})
