from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pytest

from bot.servicedesk import ConfigError, TicketNotFound
from bot.servicedesk.registry import create_service_desk
from bot.servicedesk.rt import RequestTrackerDesk, message_text, ticket_number, ticket_sql_string
from bot.servicedesk.text import html_text
from tests.servicedesk.contract import ALICE, DeskCase, failure_tests, ticket_request
from tests.servicedesk.fake_rt import TOKEN, FakeRT


def make_fake() -> FakeRT:
    fake = FakeRT()
    fake.add("Printer jams", ALICE.email or "", "older")
    return fake


def settings(url: str) -> dict[str, str]:
    return {"ASKIT_SERVICE_DESK": "rt", "ASKIT_RT_URL": url, "ASKIT_RT_TOKEN": TOKEN}


CASE = DeskCase(
    fake=make_fake, adapter=RequestTrackerDesk.from_env, env=settings, secrets=(TOKEN,), existing_ref="RT-1"
)
test_failures = failure_tests(CASE)


@pytest.fixture
def rt() -> Iterator[tuple[FakeRT, RequestTrackerDesk]]:
    fake, desk = CASE.start()
    assert isinstance(fake, FakeRT) and isinstance(desk, RequestTrackerDesk)
    yield fake, desk
    fake.stop()


def test_create_posts_the_ticket_with_queue_requestor_and_correlation_field(
    rt: tuple[FakeRT, RequestTrackerDesk],
) -> None:
    fake, desk = rt
    ref = desk.create_ticket(ticket_request())
    post = fake.seen[-1]
    assert (post.method, post.path, post.headers["authorization"]) == ("POST", "/REST/2.0/ticket", f"token {TOKEN}")
    body = post.json()
    assert (body["Queue"], body["Requestor"], body["Subject"], body["Priority"]) == (
        "network",
        "alice@northbrook.example",
        "VPN drops every hour",
        75,
    )
    assert body["ContentType"] == "text/plain" and "Conversation transcript" in body["Content"]
    assert body["CustomFields"] == {"AskIT Correlation ID": "3f1c2a9e-askit-corr-0001"}
    assert ref.ref == "RT-2" and ref.url == f"{fake.url}/Ticket/Display.html?id=2"


def test_find_status_list_and_comment(rt: tuple[FakeRT, RequestTrackerDesk]) -> None:
    fake, desk = rt
    assert desk.find_by_correlation("3f1c2a9e-askit-corr-0001") is None
    assert fake.seen[-1].query["query"] == "CF.{AskIT Correlation ID} = '3f1c2a9e-askit-corr-0001'"
    ref = desk.create_ticket(ticket_request())
    assert desk.find_by_correlation("3f1c2a9e-askit-corr-0001") == ref
    status = desk.get_status(ref.ref)
    assert (status.ref, status.status, status.summary, status.requester_id) == (
        "RT-2",
        "new",
        "VPN drops every hour",
        "alice@northbrook.example",
    )
    assert status.belongs_to(ALICE)
    assert [t.ref for t in desk.list_open(ALICE)] == ["RT-2", "RT-1"]
    assert fake.seen[-1].query["fields"] == "Subject,Status,LastUpdated"
    fake.tickets[1]["Status"] = "resolved"
    assert [t.ref for t in desk.list_open(ALICE)] == ["RT-2"]
    desk.add_comment("rt#2", "Now on my second laptop too")
    assert fake.tickets[2]["comments"] == ["Now on my second laptop too"]
    with pytest.raises(TicketNotFound):
        desk.get_status("RT-99")


def test_latest_reply_is_the_newest_agent_correspond_with_its_time(rt: tuple[FakeRT, RequestTrackerDesk]) -> None:
    fake, desk = rt
    fake.reply(1, "Please restart the router", at="2026-11-23T10:00:00Z")
    fake.reply(1, "  The VPN concentrator was replaced: try again now.\n", by="agent.jones", at="2026-11-23T11:30:00Z")
    reply = desk.latest_reply("RT-1")
    assert reply is not None
    assert reply.text == "The VPN concentrator was replaced: try again now."
    assert reply.at == dt.datetime(2026, 11, 23, 11, 30, tzinfo=dt.timezone.utc)


def test_a_newer_internal_comment_or_requester_reply_is_never_the_latest_reply(
    rt: tuple[FakeRT, RequestTrackerDesk],
) -> None:
    fake, desk = rt
    fake.reply(1, "Please restart the router")
    fake.comment(1, "Internal: the router is on order, do not tell the user yet")
    fake.reply(1, "Restarted it, still dropping", by=ALICE.email or "")  # the requester's own e-mail reply
    desk.add_comment("RT-1", "It now happens on my second laptop too")  # AskIT's: an RT comment
    reply = desk.latest_reply("RT-1")
    assert reply is not None and reply.text == "Please restart the router"


def test_no_latest_reply_until_an_agent_answers(rt: tuple[FakeRT, RequestTrackerDesk]) -> None:
    fake, desk = rt
    assert desk.latest_reply("RT-1") is None
    fake.comment(1, "Internal: looking at it")
    fake.reply(1, "Any news?", by=ALICE.email or "")
    assert desk.latest_reply("RT-1") is None
    # a requestor whose name needs TicketSQL escaping is still recognised as the requester
    other = fake.add("Printer jams", "o'brien@riverside.example")
    fake.reply(other, "Me again", by="o'brien@riverside.example")
    assert desk.latest_reply(f"RT-{other}") is None
    assert fake.seen[-1].query["query"].endswith("AND Creator != 'o\\'brien@riverside.example'")


def test_latest_reply_of_an_unknown_ticket_is_not_found(rt: tuple[FakeRT, RequestTrackerDesk]) -> None:
    fake, desk = rt
    with pytest.raises(TicketNotFound):
        desk.latest_reply("RT-99")
    assert [(r.method, r.path) for r in fake.seen] == [("GET", "/REST/2.0/ticket/99")]
    with pytest.raises(TicketNotFound):
        desk.latest_reply("INC0010002")


def test_latest_reply_asks_for_the_ticket_one_transaction_and_its_text_parts(
    rt: tuple[FakeRT, RequestTrackerDesk],
) -> None:
    fake, desk = rt
    txn = fake.reply(1, "Please restart the router")
    desk.latest_reply("rt#1")
    ticket, search, parts = fake.seen[-3:]
    assert [(r.method, r.path) for r in (ticket, search, parts)] == [
        ("GET", "/REST/2.0/ticket/1"),
        ("GET", "/REST/2.0/transactions"),
        ("GET", f"/REST/2.0/transaction/{txn}/attachments"),
    ]
    assert search.query == {
        "query": "ObjectType = 'RT::Ticket' AND ObjectId = 1 AND Type = 'Correspond'"
        " AND Creator != 'alice@northbrook.example'",
        "orderby": "id",
        "order": "DESC",
        "per_page": "1",
        "fields": "Created",
    }
    assert parts.query["fields"] == "ContentType,Filename,Content"
    assert json.loads(parts.query["query"]) == [
        {"field": "ContentType", "value": "text/plain"},
        {"field": "ContentType", "value": "text/html"},
    ]
    fake.seen.clear()
    fake.tickets[1]["Requestor"] = []
    desk.latest_reply("RT-1")
    assert fake.seen[-2].query["query"] == "ObjectType = 'RT::Ticket' AND ObjectId = 1 AND Type = 'Correspond'"


def test_an_html_reply_is_read_as_text_and_attached_files_are_not_the_reply(
    rt: tuple[FakeRT, RequestTrackerDesk],
) -> None:
    fake, desk = rt
    html = "<p>Hello&nbsp;Alice,</p>\n<p>Try <b>this</b>:<br/>restart the\n  router</p><style>p {color: red}</style>"
    fake.reply(1, html, html=True, files={"vpn.log": "12:00 tunnel down"})
    reply = desk.latest_reply("RT-1")
    assert reply is not None and reply.text == "Hello Alice,\n\nTry this:\nrestart the router"


def test_message_text_prefers_the_plain_body() -> None:
    container = {"ContentType": "multipart/alternative", "Filename": "", "Content": ""}
    plain = {"ContentType": "text/plain; charset=utf-8", "Filename": "", "Content": "Restart it\n"}
    rich = {"ContentType": "text/html", "Filename": "", "Content": "<p>Restart <i>it</i></p>"}
    assert message_text([container, rich, plain]) == "Restart it"
    assert message_text([container, rich]) == "Restart it"
    assert message_text([{"ContentType": "text/plain", "Filename": "notes.txt", "Content": "x"}]) == ""
    assert html_text("<ul><li>one</li><li>two &amp; three</li></ul><script>alert(1)</script>") == "one\ntwo & three"


def test_references_and_query_strings() -> None:
    assert [ticket_number(r) for r in ("RT-12", "rt#12", "#12", "12", " RT 12 ")] == ["12"] * 5
    with pytest.raises(TicketNotFound):
        ticket_number("INC0010002")
    assert ticket_sql_string("o'brien\\x@riverside.example") == "'o\\'brien\\\\x@riverside.example'"


def test_registry_names_a_missing_setting() -> None:
    with pytest.raises(ConfigError, match="ASKIT_RT_TOKEN"):
        create_service_desk({"ASKIT_SERVICE_DESK": "rt", "ASKIT_RT_URL": "https://rt.council.example"})
