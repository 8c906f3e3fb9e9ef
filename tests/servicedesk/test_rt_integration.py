"""The RT adapter against a real Request Tracker 5 (see tests/servicedesk/rt_instance.py)."""

from __future__ import annotations

from bot.servicedesk.models import Requester
from bot.servicedesk.rt import RequestTrackerDesk, ticket_number
from tests.servicedesk.contract import ticket_request
from tests.servicedesk.rt_instance import RTInstance


def desk_for(rt: RTInstance) -> RequestTrackerDesk:
    return RequestTrackerDesk.from_env({"ASKIT_RT_URL": rt.url, "ASKIT_RT_TOKEN": rt.token})


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
