from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
from collections.abc import Iterator

import pytest

from bot.servicedesk import ConfigError, DeskReply, Requester, TicketNotFound
from bot.servicedesk.errors import RejectedData, Unsupported
from bot.servicedesk.freshservice import (
    CONVERSATIONS_PER_PAGE,
    MAX_CONVERSATION_PAGES,
    FreshserviceDesk,
    as_html,
    correlation_tag,
)
from tests.servicedesk.contract import ALICE, DeskCase, failure_tests, ticket_request
from tests.servicedesk.fake_freshservice import API_KEY, FakeFreshservice
from tests.servicedesk.fakedesk import Seen

BASIC = "Basic " + base64.b64encode(f"{API_KEY}:X".encode()).decode()


def make_fake() -> FakeFreshservice:
    fake = FakeFreshservice()
    fake.add_ticket("alice@northbrook.example", "Printer jams")
    return fake


def settings(url: str) -> dict[str, str]:
    return {
        "ASKIT_FRESHSERVICE_URL": url,
        "ASKIT_FRESHSERVICE_API_KEY": API_KEY,
        "ASKIT_FRESHSERVICE_GROUPS": json.dumps({"network": 21000188390}),
        "ASKIT_FRESHSERVICE_CATEGORIES": json.dumps({"hardware": "Hardware"}),
    }


CASE = DeskCase(
    fake=make_fake,
    adapter=FreshserviceDesk.from_env,
    env=settings,
    secrets=(API_KEY,),
    existing_ref="INC-101",
)
test_failures = failure_tests(CASE)


@pytest.fixture
def freshservice() -> Iterator[tuple[FakeFreshservice, FreshserviceDesk]]:
    fake, desk = CASE.start()
    assert isinstance(fake, FakeFreshservice) and isinstance(desk, FreshserviceDesk)
    yield fake, desk
    fake.stop()


def test_create_posts_one_ticket_in_freshservice_fields(
    freshservice: tuple[FakeFreshservice, FreshserviceDesk],
) -> None:
    fake, desk = freshservice
    ref = desk.create_ticket(ticket_request())
    (post,) = fake.seen
    assert (post.method, post.path, post.headers["authorization"]) == ("POST", "/api/v2/tickets", BASIC)
    assert post.headers["content-type"] == "application/json"
    body = post.json()
    assert (body["subject"], body["email"], body["name"]) == (
        "VPN drops every hour",
        "alice@northbrook.example",
        "Alice Example",
    )
    assert (body["priority"], body["urgency"], body["impact"], body["status"], body["source"]) == (3, 3, 2, 2, 4)
    assert body["group_id"] == 21000188390 and "category" not in body
    assert body["tags"] == ["askit", correlation_tag("3f1c2a9e-askit-corr-0001"), "connectivity"]
    assert body["description"].startswith("<div>VPN drops every hour<br><br>Conversation transcript:<br>")
    assert body["description"].endswith("AskIT reference: 3f1c2a9e-askit-corr-0001</div>")
    assert ref.ref == "INC-102" and ref.url == f"{fake.url}/support/tickets/102"


def test_create_maps_a_configured_category_and_escapes_html(
    freshservice: tuple[FakeFreshservice, FreshserviceDesk],
) -> None:
    fake, desk = freshservice
    request = dataclasses.replace(ticket_request("corr-hw"), category="hardware", description='<b>dock</b> & "screen"')
    desk.create_ticket(request)
    body = fake.seen[-1].json()
    assert body["category"] == "Hardware" and "hardware" not in body["tags"]
    assert body["description"].startswith("<div>&lt;b&gt;dock&lt;/b&gt; &amp; &quot;screen&quot;<br>")
    assert as_html("a\nb") == "<div>a<br>b</div>"


def test_a_requester_without_an_email_needs_the_default_email(
    freshservice: tuple[FakeFreshservice, FreshserviceDesk],
) -> None:
    fake, desk = freshservice
    sam = Requester(id="web:sam", name="Sam")
    with pytest.raises(RejectedData, match="DEFAULT_EMAIL"):
        desk.create_ticket(ticket_request("corr-sam", requester=sam))
    assert fake.seen == []
    desk.default_email = "askit-unverified@northbrook.example"
    desk.create_ticket(ticket_request("corr-sam", requester=sam))
    body = fake.seen[-1].json()
    assert body["email"] == "askit-unverified@northbrook.example" and "name" not in body
    assert "Requester (no e-mail known to AskIT): Sam" in body["description"]


def test_find_status_list_and_comment(freshservice: tuple[FakeFreshservice, FreshserviceDesk]) -> None:
    fake, desk = freshservice
    assert desk.find_by_correlation("3f1c2a9e-askit-corr-0001") is None
    find = fake.seen[-1]
    tag = correlation_tag("3f1c2a9e-askit-corr-0001")
    assert (find.method, find.path, find.query) == ("GET", "/api/v2/tickets/filter", {"query": f"\"tag:'{tag}'\""})
    assert len(tag) <= 32
    ref = desk.create_ticket(ticket_request())
    assert desk.find_by_correlation("3f1c2a9e-askit-corr-0001") == ref

    status = desk.get_status(ref.ref)
    view = fake.seen[-1]
    assert (view.method, view.path, view.query) == ("GET", "/api/v2/tickets/102", {"include": "requester"})
    assert (status.ref, status.status, status.summary) == ("INC-102", "open", "VPN drops every hour")
    assert status.belongs_to(ALICE) and not status.belongs_to(Requester("web:bob", "bob@northbrook.example"))
    assert desk.get_status("#INC-102") == desk.get_status("102") == status

    fake.add_ticket("alice@northbrook.example", "Monitor flickers", status=3, updated_at="2026-11-21T08:00:00Z")
    fake.add_ticket("alice@northbrook.example", "Old laptop", status=5)
    fake.add_ticket("bob@northbrook.example", "Bob's VPN")
    fake.tickets[0]["status"] = 4  # the older one is resolved
    listed = desk.list_open(ALICE)
    assert [(t.ref, t.status) for t in listed] == [("INC-102", "open"), ("INC-103", "pending")]
    query = fake.seen[-1].query["query"]
    assert query == "\"email:'alice@northbrook.example' AND (status:2 OR status:3)\""
    assert desk.list_open(Requester(id="web:sam")) == []

    desk.add_comment(ref.ref, "Now on my <second> laptop too")
    note = fake.seen[-1]
    assert (note.method, note.path, note.headers["authorization"]) == ("POST", "/api/v2/tickets/102/notes", BASIC)
    assert note.json() == {"body": "<div>Now on my &lt;second&gt; laptop too</div>", "private": False, "incoming": True}
    assert fake.notes[102][0]["incoming"] is True


def test_unknown_tickets_are_not_found(freshservice: tuple[FakeFreshservice, FreshserviceDesk]) -> None:
    fake, desk = freshservice
    with pytest.raises(TicketNotFound):
        desk.get_status("INC-999")
    with pytest.raises(TicketNotFound):
        desk.add_comment("INC-999", "hello")
    calls = len(fake.seen)
    with pytest.raises(TicketNotFound):
        desk.get_status("not a ref")
    assert len(fake.seen) == calls


def test_a_quote_in_an_email_is_not_put_in_a_filter(freshservice: tuple[FakeFreshservice, FreshserviceDesk]) -> None:
    fake, desk = freshservice
    with pytest.raises(Unsupported):
        desk.list_open(Requester(id="web:pat", email="o'brien@riverside.example"))
    assert fake.seen == []


@pytest.mark.parametrize(
    "change,named",
    [
        ({"ASKIT_FRESHSERVICE_URL": ""}, "ASKIT_FRESHSERVICE_URL"),
        ({"ASKIT_FRESHSERVICE_API_KEY": ""}, "ASKIT_FRESHSERVICE_API_KEY"),
        ({"ASKIT_FRESHSERVICE_GROUPS": '{"network": "Network team"}'}, "ASKIT_FRESHSERVICE_GROUPS"),
    ],
)
def test_a_bad_setting_is_named(change: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        FreshserviceDesk.from_env({**settings("https://council.freshservice.com"), **change})


def conversation_calls(fake: FakeFreshservice) -> list[Seen]:
    return [s for s in fake.seen if s.path.endswith("/conversations")]


def test_the_latest_reply_is_the_newest_public_agent_reply(
    freshservice: tuple[FakeFreshservice, FreshserviceDesk],
) -> None:
    fake, desk = freshservice
    assert desk.latest_reply("INC-101") is None  # nothing said yet
    (call,) = fake.seen
    assert (call.method, call.path, call.query) == (
        "GET",
        "/api/v2/tickets/101/conversations",
        {"page": "1", "per_page": "100"},
    )
    assert call.headers["authorization"] == BASIC

    fake.add_requester_reply(101, "Still jamming, any news?")
    desk.add_comment("INC-101", "It jams on A3 too")  # a public note, marked incoming: the requester's words
    assert desk.latest_reply("#INC-101") is None

    fake.add_reply(101, "We have ordered a new fuser.")
    second = fake.add_reply(101, "The engineer comes on Tuesday.")
    fake.add_requester_reply(101, "Thanks!")
    fake.add_private_note(101, "Fuser is back-ordered, tell them Thursday")  # newer, but private
    reply = desk.latest_reply("101")
    assert second["created_at"] == "2026-11-22T11:03:00Z"
    assert reply == DeskReply(
        "The engineer comes on Tuesday.", dt.datetime(2026, 11, 22, 11, 3, tzinfo=dt.timezone.utc)
    )


def test_the_latest_reply_is_found_past_the_first_page(
    freshservice: tuple[FakeFreshservice, FreshserviceDesk],
) -> None:
    fake, desk = freshservice
    for n in range(60):
        fake.add_reply(101, f"update {n}")
        fake.add_requester_reply(101, f"thanks {n}")
    fake.add_reply(101, "fixed, please try again")
    fake.add_private_note(101, "closing if no answer")
    reply = desk.latest_reply("INC-101")
    assert reply is not None and reply.text == "fixed, please try again"
    assert [c.query["page"] for c in conversation_calls(fake)] == ["1", "2"]


def test_paging_is_bounded(freshservice: tuple[FakeFreshservice, FreshserviceDesk]) -> None:
    fake, desk = freshservice
    for n in range(MAX_CONVERSATION_PAGES * CONVERSATIONS_PER_PAGE - 1):
        fake.add_private_note(101, f"note {n}")
    assert desk.latest_reply("INC-101") is None  # the last page it reads is short: that was all
    assert len(conversation_calls(fake)) == MAX_CONVERSATION_PAGES
    fake.add_reply(101, "one too many")  # now every page it may read is full: more may follow
    with pytest.raises(Unsupported):
        desk.latest_reply("INC-101")
    assert len(conversation_calls(fake)) == 2 * MAX_CONVERSATION_PAGES


def test_the_latest_reply_of_an_unknown_ticket_is_not_found(
    freshservice: tuple[FakeFreshservice, FreshserviceDesk],
) -> None:
    fake, desk = freshservice
    with pytest.raises(TicketNotFound):
        desk.latest_reply("INC-999")
    calls = len(fake.seen)
    with pytest.raises(TicketNotFound):
        desk.latest_reply("not a ref")
    assert len(fake.seen) == calls
