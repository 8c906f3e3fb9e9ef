"""Known incidents in the conversation (actions/incidents.py): a question about an active incident of
the asker's council gets its card before the knowledge base, and staff of another council do not;
"I'm affected too" counts a person once and raises no ticket; "Tell me when it's fixed" subscribes;
"My problem is different" answers the question as asked and does not show the card again; a button
on the card of a resolved incident says so."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker

from actions.answer import ActionAnswerQuestion
from actions.incidents import DISMISSED, ActionIncidentAffected, ActionIncidentDifferent, ActionIncidentSubscribe
from bot import replies
from bot.incidents.matching import IncidentMatcher
from bot.incidents.models import Incident, IncidentFields
from bot.incidents.store import IncidentStore
from bot.knowledge import KnowledgeBase
from bot.servicedesk.local import LocalServiceDesk
from bot.servicedesk.outbox import Outbox
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
def services(kb: KnowledgeBase, desk: LocalServiceDesk, store: IncidentStore, tmp_path: Path) -> Services:
    plain = services_for(kb, desk, Outbox(tmp_path / "outbox.sqlite"))
    return dataclasses.replace(plain, incidents=store, incident_matcher=IncidentMatcher(kb.embedder, 0.6))


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
    assert card["custom"] == {"flow": "incident", "incident_id": crm.id, "status": "investigating"}
    assert "Riverside CRM unavailable" in card["text"] and "paper form" in card["text"]
    assert [b["title"] for b in card["buttons"]] == [
        "I'm affected too",
        "Tell me when it's fixed",
        "My problem is different",
    ]
    elsewhere, _ = run(ActionAnswerQuestion(services), staff("the crm is down again", "ask_question", "northbrook"))
    assert all(m["custom"].get("flow") != "incident" for m in elsewhere)
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
    assert all(m["custom"].get("flow") != "incident" for m in messages)  # the knowledge base's answer
    assert {"event": "slot", "timestamp": None, "name": DISMISSED, "value": [crm.id]} in events
    again = staff("the crm is down again", "ask_question", "riverside", slots={DISMISSED: [crm.id]})
    messages, _ = run(ActionAnswerQuestion(services), again)
    assert all(m["custom"].get("flow") != "incident" for m in messages)


def test_a_button_of_a_resolved_incident_says_it_is_over(
    services: Services, crm: Incident, store: IncidentStore
) -> None:
    store.resolve(crm.id, now=time.time())
    messages, _ = run(ActionIncidentAffected(services), pressed("affected", crm))
    assert customs(messages) == [{"flow": "incident_over", "incident_id": crm.id}]
    assert store.affected_users(crm.id) == []
    elsewhere, _ = run(ActionIncidentSubscribe(services), pressed("subscribe", crm, council="northbrook"))
    assert customs(elsewhere) == [{"flow": "incident_over", "incident_id": crm.id}]
