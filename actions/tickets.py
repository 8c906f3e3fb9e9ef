"""Offer, confirm, create and look up tickets in the configured service desk."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import conversation, services
from actions.utter import awaiting, send
from bot import replies
from bot.knowledge import KnowledgeError
from bot.servicedesk import Requester, ServiceDeskError, TicketNotFound, TicketRequest
from bot.servicedesk.transcript import OfferedArticle, ticket_description
from bot.servicedesk.triage import triage

logger = logging.getLogger(__name__)

RESET_TICKET_SLOTS = ("ticket_summary", "ticket_confirmed", "awaiting")


def _reset() -> list[EventType]:
    return [SlotSet(slot, None) for slot in RESET_TICKET_SLOTS]


def _requester(tracker: Tracker) -> Requester:
    return conversation.requester(tracker.sender_id, tracker.get_latest_input_channel())


class ActionOfferTicket(Action):
    """After "that didn't help" or "I want a person": offer to raise a ticket."""

    def name(self) -> str:
        return "action_offer_ticket"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        reason = "human" if intent == "request_human" else "not_helped"
        send(dispatcher, replies.ticket_offer(reason, tracker.get_slot("last_article_id")))
        return awaiting("ticket_offer")


class ActionStartTicket(Action):
    """The user wants a ticket: propose a summary drafted from what they asked."""

    def name(self) -> str:
        return "action_start_ticket"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        summary = conversation.draft_summary(tracker.events)
        return [SlotSet("ticket_summary", summary), SlotSet("ticket_confirmed", None), SlotSet("awaiting", None)]


class ActionDropTicket(Action):
    """The user declined the offer or cancelled the ticket form."""

    def name(self) -> str:
        return "action_drop_ticket"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        dispatcher.utter_message(response="utter_no_ticket")
        return _reset()


class ActionAskTicketConfirmed(Action):
    def name(self) -> str:
        return "action_ask_ticket_confirmed"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        send(dispatcher, replies.confirm_summary(tracker.get_slot("ticket_summary") or ""))
        return []


class ValidateTicketForm(FormValidationAction):
    def name(self) -> str:
        return "validate_ticket_form"

    def validate_ticket_summary(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        summary = conversation.clean_summary(value if isinstance(value, str) else None)
        if summary is None and value:  # nothing drafted yet is not the user's fault: just ask
            dispatcher.utter_message(response="utter_summary_too_short")
        return {"ticket_summary": summary}

    def validate_ticket_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is True:
            return {"ticket_confirmed": True}
        return {"ticket_confirmed": None, "ticket_summary": None}  # "no": ask for a better summary


class ActionCreateTicket(Action):
    def name(self) -> str:
        return "action_create_ticket"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        events = tracker.events
        summary = tracker.get_slot("ticket_summary") or conversation.draft_summary(events) or "Help requested"
        offered = []
        try:
            kb = services.knowledge_base()
            for article_id, helped in conversation.offered_articles(events):
                article = kb.article(article_id)
                offered.append(OfferedArticle(article_id, article.title if article else article_id, helped))
            last = kb.article(tracker.get_slot("last_article_id") or "")
        except KnowledgeError:
            logger.exception("knowledge base unavailable; ticket raised without article details")
            last = None
        escalation = last.escalation if last else None
        routing = triage(
            last.category if last else None,
            escalation.group if escalation else None,
            escalation.priority if escalation else None,
        )
        request = TicketRequest(
            summary=summary,
            description=ticket_description(summary, conversation.turns(events), offered),
            requester=_requester(tracker),
            category=routing.category,
            priority=routing.priority,
            resolver_group=routing.resolver_group,
            correlation_id=conversation.correlation_id(tracker.sender_id, events),
        )
        try:
            ref = services.service_desk().create_ticket(request)
        except ServiceDeskError:
            logger.exception("ticket could not be created (correlation id %s)", request.correlation_id)
            send(dispatcher, replies.ticket_failed())
            return _reset()
        send(dispatcher, replies.ticket_created(ref.ref, ref.url))
        return [*_reset(), SlotSet("ticket_ref", ref.ref)]


class ActionTicketStatus(Action):
    """Status of a named ticket, or the requester's open tickets; only the requester's own."""

    def name(self) -> str:
        return "action_ticket_status"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        asked = conversation.ticket_ref_in(tracker.latest_message.get("text"))
        requester = _requester(tracker)
        desk = services.service_desk()
        try:
            if asked:
                status = desk.get_status(asked)
                tickets = [status] if status.requester_id == requester.id else []
            else:
                tickets = desk.list_open(requester.id)
        except TicketNotFound:
            tickets = []
        except ServiceDeskError:
            logger.exception("ticket status look-up failed")
            dispatcher.utter_message(response="utter_desk_unavailable")
            return []
        send(dispatcher, replies.ticket_status([(t.ref, t.status, t.summary) for t in tickets], asked))
        return []
