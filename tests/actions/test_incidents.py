"""Known incidents in the conversation (actions/incidents.py): a question about an active incident of
the asker's council gets its card before the knowledge base, and staff of another council do not;
"I'm affected too" counts a person once and raises no ticket; "Tell me when it's fixed" subscribes;
"My problem is different" answers the question as asked and does not show the card again; a button
on the card of a resolved incident says so; a subscriber is told each change once, pushed or on their
next question; a user who still wants a ticket gets one linked to the incident, not a fresh P1."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker

from actions.answer import ActionAnswerQuestion
from actions.incidents import (
    DISMISSED,
    ActionIncidentAffected,
    ActionIncidentDifferent,
    ActionIncidentSubscribe,
    ActionTellIncidentNews,
)
from actions.tickets import ActionAskTicketConfirmed, ActionCreateTicket, ActionStartTicket
from bot import replies
from bot.incidents.matching import IncidentMatcher, load_matching
from bot.incidents.models import Incident, IncidentFields
from bot.incidents.store import IncidentStore
from bot.knowledge import KnowledgeBase
from bot.servicedesk.local import LocalServiceDesk
from bot.servicedesk.outbox import Outbox
from bot.servicedesk.worker import OutboxWorker, RetryPolicy
from bot.services import Services
from tests.actions.test_actions import SEAL, customs, run, services_for, tracker

CRM_DOWN = IncidentFields(
    title="Riverside CRM unavailable",
    summary="The CRM will not open for anyone at Riverside after a network failure.",
    questions=("crm is down", "cannot open the crm", "crm keeps spinning"),
    councils=("riverside",),
    workaround="Take details on the paper form and enter them later.",
)


@pytest.fixture
def store(tmp_path: Path) -> IncidentStore:
    return IncidentStore.open(tmp_path / "backoffice.sqlite")


@pytest.fixture
def crm(store: IncidentStore) -> Incident:
    return store.declare(CRM_DOWN, source="cli", now=time.time() - 600)


@pytest.fixture
def services(kb: KnowledgeBase, desk: LocalServiceDesk, store: IncidentStore, tmp_path: Path) -> Iterator[Services]:
    outbox = Outbox(tmp_path / "outbox.sqlite")
    worker = OutboxWorker(outbox, desk, RetryPolicy(base=0.01, cap=0.05, idle_poll=0.05)).start()
    plain = services_for(kb, desk, outbox, worker)
    yield dataclasses.replace(
        plain, incidents=store, incident_matcher=IncidentMatcher.from_settings(kb.embedder, load_matching(), kb.vectors)
    )
    worker.stop()


def staff(text: str, intent: str, council: str, who: str = "pat", **kwargs: Any) -> Tracker:
    identity = {"id": f"aad-{who}", "email": f"{who}@{council}.example", "name": who.title()}
    metadata = SEAL.metadata("webchat", who, identity)
    return tracker(text, intent, sender=who, channel="webchat", metadata=metadata, **kwargs)


def pressed(action: str, incident: Incident, council: str = "riverside", **kwargs: Any) -> Tracker:
    payload = replies.incident_payload(action, incident.id)
    entities = [{"entity": "incident_id", "value": incident.id}]
    return staff(payload, f"incident_{action}", council, entities=entities, **kwargs)


def test_a_question_about_the_incident_gets_its_card_only_in_the_affected_council(
    services: Services, crm: Incident
) -> None:
    messages, _ = run(ActionAnswerQuestion(services), staff("the crm is down again", "ask_question", "riverside"))
    [card] = messages
    assert card["custom"] == {"flow": "known_incident", "incident_id": crm.id, "status": "investigating"}
    assert "Riverside CRM unavailable" in card["text"] and "paper form" in card["text"]
    assert [b["title"] for b in card["buttons"]] == [
        "I'm affected too",
        "Tell me when it's fixed",
        "My problem is different",
    ]
    elsewhere, _ = run(ActionAnswerQuestion(services), staff("the crm is down again", "ask_question", "northbrook"))
    assert all(m["custom"].get("flow") != "known_incident" for m in elsewhere)
    unrelated, _ = run(ActionAnswerQuestion(services), staff("vpn not working", "ask_question", "riverside"))
    assert customs(unrelated) == [{"decision": "answer", "article_id": "vpn-connect"}]


def test_affected_five_times_is_counted_once_and_raises_no_ticket(
    services: Services, crm: Incident, store: IncidentStore, desk: LocalServiceDesk
) -> None:
    for _ in range(5):
        messages, _ = run(ActionIncidentAffected(services), pressed("affected", crm))
    assert customs(messages) == [{"flow": "incident_affected", "incident_id": crm.id, "count": 1}]
    run(ActionIncidentAffected(services), pressed("affected", crm, who="sam"))
    assert len(store.affected_users(crm.id)) == 2 and desk.all_tickets() == []


def test_tell_me_when_it_is_fixed_subscribes_this_conversation(
    services: Services, crm: Incident, store: IncidentStore
) -> None:
    messages, _ = run(ActionIncidentSubscribe(services), pressed("subscribe", crm))
    assert customs(messages) == [{"flow": "incident_subscribed", "incident_id": crm.id}]
    [subscription] = store.subscribers(crm.id)
    assert (subscription.user_key, subscription.channel, subscription.conversation) == ("aad-pat", "webchat", "pat")


def test_a_different_problem_is_answered_as_asked_and_the_card_is_not_shown_again(
    services: Services, crm: Incident
) -> None:
    asked = staff("the crm is down again", "ask_question", "riverside")
    different = pressed("different", crm, events=[dict(asked.events[-1], parse_data=asked.latest_message)])
    messages, events = run(ActionIncidentDifferent(services), different)
    assert all(m["custom"].get("flow") != "known_incident" for m in messages)  # the knowledge base's answer
    assert {"event": "slot", "timestamp": None, "name": DISMISSED, "value": [crm.id]} in events
    again = staff("the crm is down again", "ask_question", "riverside", slots={DISMISSED: [crm.id]})
    messages, _ = run(ActionAnswerQuestion(services), again)
    assert all(m["custom"].get("flow") != "known_incident" for m in messages)


def test_a_button_of_a_resolved_incident_says_it_is_over(
    services: Services, crm: Incident, store: IncidentStore
) -> None:
    store.resolve(crm.id, now=time.time())
    messages, _ = run(ActionIncidentAffected(services), pressed("affected", crm))
    assert customs(messages) == [{"flow": "incident_over", "incident_id": crm.id}]
    assert store.affected_users(crm.id) == []
    elsewhere, _ = run(ActionIncidentSubscribe(services), pressed("subscribe", crm, council="northbrook"))
    assert customs(elsewhere) == [{"flow": "incident_over", "incident_id": crm.id}]


def test_a_subscriber_hears_each_change_once_pushed_or_on_their_next_question(
    services: Services, crm: Incident, store: IncidentStore
) -> None:
    run(ActionIncidentSubscribe(services), pressed("subscribe", crm))
    store.update(crm.id, 1, now=time.time(), status="identified", text="A network switch failed; it is being replaced.")
    pushed, _ = run(ActionTellIncidentNews(services), staff("", "EXTERNAL_incident_update", "riverside"))
    [update] = pushed
    assert update["custom"] == {"flow": "incident_update", "incident_id": crm.id, "status": "identified"}
    assert "A network switch failed" in update["text"] and "paper form" in update["text"]  # with the workaround
    assert run(ActionTellIncidentNews(services), staff("", "EXTERNAL_incident_update", "riverside"))[0] == []
    store.resolve(crm.id, now=time.time(), text="The switch is replaced and the CRM is back.")
    asked, _ = run(ActionAnswerQuestion(services), staff("vpn not working", "ask_question", "riverside"))
    assert customs(asked) == [
        {"flow": "incident_update", "incident_id": crm.id, "status": "resolved"},
        {"decision": "answer", "article_id": "vpn-connect"},
    ]
    assert asked[0]["text"].startswith("**Fixed: Riverside CRM unavailable.**\n\nThe switch is replaced")
    again, _ = run(ActionAnswerQuestion(services), staff("vpn not working", "ask_question", "riverside"))
    assert customs(again) == [{"decision": "answer", "article_id": "vpn-connect"}]


def test_a_user_who_still_wants_a_ticket_gets_one_linked_to_the_incident_not_a_fresh_p1(
    services: Services, store: IncidentStore, desk: LocalServiceDesk
) -> None:
    master = dataclasses.replace(CRM_DOWN, desk_ref="INC0042")
    crm = store.declare(master, source="cli", now=time.time() - 600)
    card = {"event": "bot", "text": "card", "data": {"custom": {"flow": "known_incident", "incident_id": crm.id}}}
    slots = {"ticket_summary": "Whole team cannot use the CRM, urgent", "ticket_impact": "high/high"}
    messages, _ = run(ActionCreateTicket(services), staff("yes", "affirm", "riverside", events=[card], slots=slots))
    assert customs(messages)[0]["incident_id"] == crm.id and customs(messages)[0]["priority"] == "P3"
    assert "linked to the known problem" in messages[0]["text"]
    [ticket] = desk.all_tickets()
    assert ticket["priority"] == "P3"
    assert (
        f"Linked to the known incident 'Riverside CRM unavailable' (master ticket INC0042, AskIT {crm.id})"
        in (ticket["description"])
    )
    dismissed = {**slots, DISMISSED: [crm.id]}  # "my problem is different": a ticket of its own
    run(ActionCreateTicket(services), staff("yes", "affirm", "riverside", who="sam", events=[card], slots=dismissed))
    assert [t["priority"] for t in desk.all_tickets()] == ["P3", "P1"]


def test_asking_for_a_ticket_about_the_incident_shows_what_is_known_first(services: Services, crm: Incident) -> None:
    messages, events = run(
        ActionStartTicket(services), staff("the crm is down again, I need a ticket", "open_ticket", "riverside")
    )
    assert customs(messages) == [{"flow": "known_incident", "incident_id": crm.id, "status": "investigating"}]
    assert {"event": "followup", "timestamp": None, "name": "action_listen"} in events  # no ticket form
    card = {"event": "bot", "text": "card", "data": {"custom": {"flow": "known_incident", "incident_id": crm.id}}}
    insisting = staff("I still want to log a ticket about the crm is down", "open_ticket", "riverside", events=[card])
    messages, events = run(ActionStartTicket(services), insisting)  # seen it, still wants one: the form
    assert messages == [] and any(e.get("name") == "ticket_summary" for e in events)


def test_a_ticket_summary_about_the_incident_offers_what_is_known_instead(services: Services, crm: Incident) -> None:
    typed = staff(
        "cannot open the crm at all",
        "ask_question",
        "riverside",
        slots={"ticket_summary": "cannot open the crm at all"},
    )
    messages, _ = run(ActionAskTicketConfirmed(services), typed)
    assert customs(messages) == [
        {"flow": "ticket_offer", "step": "start_again", "summary": "cannot open the crm at all", "incident_id": crm.id}
    ]
    other = staff("printer jams", "ask_question", "riverside", slots={"ticket_summary": "printer jams"})
    assert customs(run(ActionAskTicketConfirmed(services), other)[0])[0]["step"] == "confirm_summary"
