"""The handoff store's transitions (bot/handoff/store.py) on SQLite and a real PostgreSQL: queued ->
assigned -> closed, and back to the queue, transferred, cancelled or failed; each refused change
says why and changes nothing; a new store on the same database (a restart) sees the same state."""

from __future__ import annotations

import json

import pytest

from bot.handoff.errors import (
    AgentNotEligible,
    AlreadyTaken,
    AtCapacity,
    HandoffClosed,
    NotAssigned,
    UnknownAgent,
    UnknownHandoff,
)
from bot.handoff.models import OpenTicket
from bot.handoff.store import HandoffStore
from bot.redaction import REDACTED
from bot.sql import DatabaseError
from tests.handoff.common import MINUTE, RIA, SAM, T0, ask, sign_in, taken


def test_a_request_is_queued_with_what_the_agent_and_the_channel_need(store: HandoffStore) -> None:
    handoff = ask(store, summary="VPN fails, my password is Winter2026! if that helps")
    assert handoff.state == "queued" and handoff.is_open
    assert (handoff.conversation, handoff.channel, handoff.group) == ("web-1", "webchat", "service-desk")
    assert handoff.requester == SAM and handoff.tenant == "northbrook"
    assert handoff.reference == {"sid": "socket-web-1"}
    assert handoff.summary == f"VPN fails, my password is {REDACTED} if that helps"
    assert handoff.created_at == handoff.queued_at == T0 and handoff.agent_id is None
    assert store.get(handoff.id) == handoff and store.open_for("web-1") == handoff
    assert store.open_for("web-2") is None


def test_a_conversation_has_one_open_handoff_at_most(store: HandoffStore) -> None:
    first = ask(store)
    again, new = store.request(
        conversation="web-1",
        channel="webchat",
        requester=SAM,
        group="identity-access",
        summary="still waiting?",
        reference={},
        now=T0 + MINUTE,
    )
    assert (again, new) == (first, False)
    store.close(first.id, by="user", now=T0 + 2 * MINUTE)
    later = ask(store, now=T0 + 3 * MINUTE)  # once it is over, the conversation may ask again
    assert later.id != first.id and store.open_for("web-1") == later


def test_the_database_itself_refuses_a_second_open_handoff(store: HandoffStore) -> None:
    first = ask(store)
    columns = "id, conversation, channel, requester, resolver_group, summary, reference, state, created_at, queued_at"
    with pytest.raises(DatabaseError), store.db.transaction(immediate=True) as tx:
        tx.execute(
            f"INSERT INTO handoffs ({columns}) VALUES ('other', ?, 'webchat', ?, 'service-desk', '', '{{}}', ?, ?, ?)",
            (first.conversation, json.dumps({"id": "x"}), "assigned", T0, T0),
        )
    assert [first] == [store.get(first.id)]


def test_accept_release_and_accept_again_keep_the_chat_s_place(store: HandoffStore) -> None:
    first, second = ask(store, "web-1"), ask(store, "web-2", now=T0 + MINUTE)
    sign_in(store, "alex", name="Alex Morgan")
    accepted = store.accept(first.id, "alex", now=T0 + 2 * MINUTE)
    assert (accepted.state, accepted.agent_id, accepted.agent_name) == ("assigned", "alex", "Alex Morgan")
    assert accepted.assigned_at == accepted.first_assigned_at == T0 + 2 * MINUTE
    assert store.accept(first.id, "alex", now=T0 + 3 * MINUTE) == accepted  # a double click changes nothing
    assert store.assigned_to("alex") == [accepted] and store.position(second.id) == 1

    released = store.release(first.id, "alex", now=T0 + 4 * MINUTE)
    assert (released.state, released.agent_id, released.assigned_at) == ("queued", None, None)
    assert released.created_at == T0 and released.queued_at == T0 + 4 * MINUTE
    assert store.position(first.id) == 1 and store.position(second.id) == 2  # back in its old place
    again = store.accept(first.id, "alex", now=T0 + 5 * MINUTE)
    assert again.assigned_at == T0 + 5 * MINUTE and again.first_assigned_at == T0 + 2 * MINUTE


def test_only_the_agent_who_holds_a_chat_releases_or_transfers_it(store: HandoffStore) -> None:
    handoff = taken(store, "alex")
    sign_in(store, "bea")
    for act in (
        lambda: store.release(handoff.id, "bea", now=T0 + 2 * MINUTE),
        lambda: store.transfer(handoff.id, "bea", now=T0 + 2 * MINUTE, to_group="identity-access"),
    ):
        with pytest.raises(NotAssigned, match=r"bea does not hold .* Alex \(alex\) holds it"):
            act()
    assert store.get(handoff.id) == handoff


def test_a_transfer_to_an_agent_assigns_it_to_them_at_once(store: HandoffStore) -> None:
    handoff = taken(store, "alex")
    sign_in(store, "bea", name="Bea Khan", groups=("service-desk", "identity-access"))
    moved = store.transfer(handoff.id, "alex", now=T0 + 5 * MINUTE, to_agent="bea", to_group="identity-access")
    assert (moved.state, moved.agent_id, moved.agent_name, moved.group) == (
        "assigned",
        "bea",
        "Bea Khan",
        "identity-access",
    )
    assert moved.assigned_at == T0 + 5 * MINUTE and moved.first_assigned_at == handoff.first_assigned_at
    assert store.assigned_to("alex") == [] and store.assigned_to("bea") == [moved]


def test_a_transfer_to_a_group_queues_it_there_in_its_old_place(store: HandoffStore) -> None:
    handoff = taken(store, "alex")
    ask(store, "web-2", now=T0 + 2 * MINUTE, group="identity-access")
    moved = store.transfer(handoff.id, "alex", now=T0 + 5 * MINUTE, to_group="identity-access")
    assert (moved.state, moved.agent_id, moved.group, moved.queued_at) == (
        "queued",
        None,
        "identity-access",
        T0 + 5 * MINUTE,
    )
    assert store.position(moved.id) == 1  # asked before web-2


def test_a_transfer_is_checked_like_an_accept(store: HandoffStore) -> None:
    handoff = taken(store, "alex")
    sign_in(store, "bea", groups=("identity-access",))
    sign_in(store, "cal", councils=("riverside",))
    sign_in(store, "dan", capacity=0)
    with pytest.raises(AgentNotEligible, match="not in the group service-desk"):
        store.transfer(handoff.id, "alex", now=T0, to_agent="bea")
    with pytest.raises(AgentNotEligible, match="does not take the chats of northbrook"):
        store.transfer(handoff.id, "alex", now=T0, to_agent="cal")
    with pytest.raises(AtCapacity):
        store.transfer(handoff.id, "alex", now=T0, to_agent="dan")
    with pytest.raises(UnknownAgent):
        store.transfer(handoff.id, "alex", now=T0, to_agent="nobody")
    with pytest.raises(ValueError):
        store.transfer(handoff.id, "alex", now=T0)
    assert store.get(handoff.id) == handoff


def test_close_ends_the_chat_once_and_a_second_close_changes_nothing(store: HandoffStore) -> None:
    handoff = taken(store, "alex")
    closed = store.close(handoff.id, by="alex", now=T0 + 9 * MINUTE, reason="resolved", note="Reset the VPN profile")
    assert (closed.state, closed.closed_by, closed.close_reason, closed.close_note, closed.closed_at) == (
        "closed",
        "alex",
        "resolved",
        "Reset the VPN profile",
        T0 + 9 * MINUTE,
    )
    assert not closed.is_open and store.open_for("web-1") is None
    assert closed.agent_id == "alex"  # who had it stays on the record
    with pytest.raises(HandoffClosed, match=r"is closed \(by alex, 2026-09-21 14:22 UTC: resolved\)") as refused:
        store.close(handoff.id, by="bea", now=T0 + 10 * MINUTE, reason="duplicate")
    assert refused.value.handoff == closed and store.get(handoff.id) == closed


def test_the_user_cancels_only_while_queued(store: HandoffStore) -> None:
    waiting = ask(store, "web-1")
    cancelled = store.cancel(waiting.id, now=T0 + MINUTE)
    assert (cancelled.state, cancelled.closed_by) == ("cancelled", "user")
    with pytest.raises(HandoffClosed, match="is cancelled"):
        store.cancel(waiting.id, now=T0 + 2 * MINUTE)
    held = taken(store, "alex", "web-2")
    with pytest.raises(AlreadyTaken, match=r"already taken by Alex \(alex\)"):
        store.cancel(held.id, now=T0 + 2 * MINUTE)  # too late: the broker closes it instead
    assert store.get(held.id) == held


def test_a_chat_that_cannot_go_on_fails(store: HandoffStore) -> None:
    handoff = taken(store, "alex")
    failed = store.fail(handoff.id, "the Teams conversation is gone (403)", now=T0 + 2 * MINUTE)
    assert (failed.state, failed.closed_by, failed.close_reason) == (
        "failed",
        "system",
        "the Teams conversation is gone (403)",
    )
    with pytest.raises(HandoffClosed, match="is failed"):
        store.accept(handoff.id, "alex", now=T0 + 3 * MINUTE)


def test_an_agent_takes_only_their_groups_and_councils_chats_within_capacity(store: HandoffStore) -> None:
    northbrook, riverside = ask(store, "web-1"), ask(store, "web-2", requester=RIA)
    network = ask(store, "web-3", group="network")
    sign_in(store, "rivers", councils=("riverside",), capacity=1)
    with pytest.raises(AgentNotEligible, match="does not take the chats of northbrook"):
        store.accept(northbrook.id, "rivers", now=T0)
    with pytest.raises(AgentNotEligible, match="not in the group network"):
        store.accept(network.id, "rivers", now=T0)
    with pytest.raises(UnknownAgent, match="no agent ghost"):
        store.accept(riverside.id, "ghost", now=T0)
    with pytest.raises(UnknownHandoff):
        store.accept("no-such-id", "rivers", now=T0)
    store.accept(riverside.id, "rivers", now=T0)
    other = ask(store, "web-4", requester=RIA)
    with pytest.raises(AtCapacity, match=r"as many chats as their capacity \(1\)"):
        store.accept(other.id, "rivers", now=T0)
    store.close(riverside.id, by="rivers", now=T0 + MINUTE)
    assert store.accept(other.id, "rivers", now=T0 + MINUTE).agent_id == "rivers"  # room again


def test_the_rating_and_the_ticket_are_kept(store: HandoffStore) -> None:
    handoff = taken(store, "alex")
    store.close(handoff.id, by="alex", now=T0 + 5 * MINUTE)
    assert store.rate(handoff.id, 4).csat == 4
    assert store.link_ticket(handoff.id, "INC0012345").ticket_ref == "INC0012345"
    with pytest.raises(ValueError):
        store.rate(handoff.id, 6)
    with pytest.raises(UnknownHandoff):
        store.rate("no-such-id", 3)


def test_what_the_channel_and_the_desk_said_is_kept_with_the_request(store: HandoffStore) -> None:
    handoff = ask(store)
    assert handoff.open_tickets is None and handoff.channel_card is None  # not known yet
    listed = (OpenTicket("INC0012", "Printer jams", "open"), OpenTicket("ASKIT-AB12", "VPN", "waiting"))
    assert store.set_open_tickets(handoff.id, listed).open_tickets == listed
    assert store.set_open_tickets(handoff.id, []).open_tickets == ()  # none: not the same as not known
    teams = {"service_url": "https://smba.example/uk/", "conversation_id": "a:1", "bot": {"id": "28:b"}}
    assert store.set_reference(handoff.id, teams).reference == teams
    assert store.set_channel_card(handoff.id, "1700000000001").channel_card == "1700000000001"
    ended = {"text": "I'm back.", "buttons": [], "custom": {"flow": "handoff_ended"}}
    assert store.keep_notice(handoff.id, ended).user_notice == ended
    assert [h.id for h in store.with_notice("web-1")] == [handoff.id] and store.with_notice("web-2") == []
    store.keep_notice(handoff.id, None)  # the user's channel took it
    assert store.with_notice() == []


def test_a_restarted_store_sees_the_same_state(location: str) -> None:
    before = HandoffStore.open(location)
    held, waiting = taken(before, "alex", "web-1"), ask(before, "web-2", now=T0 + 2 * MINUTE)
    after = HandoffStore.open(location)  # a new process: migrations are not applied twice
    assert after.get(held.id) == held and after.get(waiting.id) == waiting
    assert after.agent("alex") == before.agent("alex") and after.position(waiting.id) == 1
    assert after.open_for("web-1") == held
    after.close(held.id, by="alex", now=T0 + 3 * MINUTE)
    assert before.get(held.id).state == "closed"  # two stores on one database: one state
