"""The RT adapter against a real Request Tracker 5 (see tests/servicedesk/rt_instance.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import requests

from bot.servicedesk.models import Requester
from bot.servicedesk.rt import RequestTrackerDesk, ticket_number
from tests.servicedesk.contract import ticket_request
from tests.servicedesk.rt_instance import RTInstance

ROOT = ("root", "password")  # RT's initial data gives root this password; REST2 takes it as Basic auth


def desk_for(rt: RTInstance) -> RequestTrackerDesk:
    return RequestTrackerDesk.from_env({"ASKIT_RT_URL": rt.url, "ASKIT_RT_TOKEN": rt.token})


def as_root(rt: RTInstance, number: str, action: str, content: str, content_type: str = "text/plain") -> None:
    """Reply to ("correspond") or comment on a ticket through REST2 as root: an agent, unless root is
    the ticket's requestor."""
    answer = requests.post(
        f"{rt.url}/REST/2.0/ticket/{number}/{action}",
        json={"Content": content, "ContentType": content_type},
        auth=ROOT,
        timeout=30,
    )
    assert answer.status_code == 201, answer.text


def open_ticket(rt: RTInstance, requestor: str) -> str:
    """A ticket made straight through REST2 by the askit user, for a requestor AskIT cannot name."""
    body: dict[str, Any] = {"Queue": "network", "Subject": "Monitor flickers", "Requestor": requestor}
    answer = requests.post(
        f"{rt.url}/REST/2.0/ticket", json=body, headers={"Authorization": f"token {rt.token}"}, timeout=30
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def test_create_find_status_list_and_comment_in_a_real_rt(request_tracker: RTInstance) -> None:
    desk = desk_for(request_tracker)
    bob = Requester(id="web:bob", email="bob.rt@riverside.example", tenant="riverside")
    request = ticket_request("rt-integration-0001", requester=bob)
    assert desk.find_by_correlation(request.correlation_id) is None
    ref = desk.create_ticket(request)
    assert desk.find_by_correlation(request.correlation_id) == ref
    held = request_tracker.get(f"ticket/{ticket_number(ref.ref)}")
    assert held["Subject"] == "VPN drops every hour"
    assert str(held["Queue"]["id"]) == str(request_tracker.get("queue/network")["id"])
    assert [r["id"] for r in held["Requestor"]] == ["bob.rt@riverside.example"]
    status = desk.get_status(ref.ref)
    assert (status.status, status.summary) == ("new", "VPN drops every hour") and status.belongs_to(bob)
    assert [t.ref for t in desk.list_open(bob)] == [ref.ref]
    desk.add_comment(ref.ref, "Now on my second laptop too")
    text = request_tracker.messages(ticket_number(ref.ref))
    assert "Conversation transcript" in text and "Now on my second laptop too" in text
    assert desk.latest_reply(ref.ref) is None  # the ticket's own text and AskIT's comment are not replies


def test_latest_reply_is_the_agents_correspond_in_a_real_rt(request_tracker: RTInstance) -> None:
    desk = desk_for(request_tracker)
    carol = Requester(id="web:carol", email="carol.rt@riverside.example", tenant="riverside")
    ref = desk.create_ticket(ticket_request("rt-integration-0002", requester=carol))
    number = ticket_number(ref.ref)
    assert desk.latest_reply(ref.ref) is None
    before = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    as_root(request_tracker, number, "correspond", "Please restart the router, then try the VPN again.")
    as_root(request_tracker, number, "comment", "Internal: the router is on order; do not promise a date.")
    reply = desk.latest_reply(ref.ref)
    assert reply is not None and reply.text == "Please restart the router, then try the VPN again."
    assert reply.at is not None and before <= reply.at <= dt.datetime.now(dt.timezone.utc)
    as_root(
        request_tracker, number, "correspond", "<p>It is <b>fixed</b>:<br>the router was replaced.</p>", "text/html"
    )
    reply = desk.latest_reply(ref.ref)
    assert reply is not None and reply.text == "It is fixed:\nthe router was replaced."


def test_the_requesters_own_correspond_is_not_the_latest_reply_in_a_real_rt(request_tracker: RTInstance) -> None:
    desk = desk_for(request_tracker)
    number = open_ticket(request_tracker, "root")  # root is the requestor here, so its replies are the requester's
    as_root(request_tracker, number, "correspond", "Still flickering after the driver update.")
    assert desk.latest_reply(f"RT-{number}") is None
