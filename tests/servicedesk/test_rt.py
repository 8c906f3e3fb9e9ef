from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.servicedesk import ConfigError, TicketNotFound
from bot.servicedesk.registry import create_service_desk
from bot.servicedesk.rt import RequestTrackerDesk, ticket_number, ticket_sql_string
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


def test_references_and_query_strings() -> None:
    assert [ticket_number(r) for r in ("RT-12", "rt#12", "#12", "12", " RT 12 ")] == ["12"] * 5
    with pytest.raises(TicketNotFound):
        ticket_number("INC0010002")
    assert ticket_sql_string("o'brien\\x@riverside.example") == "'o\\'brien\\\\x@riverside.example'"


def test_registry_names_a_missing_setting() -> None:
    with pytest.raises(ConfigError, match="ASKIT_RT_TOKEN"):
        create_service_desk({"ASKIT_SERVICE_DESK": "rt", "ASKIT_RT_URL": "https://rt.council.example"})
