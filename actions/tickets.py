"""Offer, confirm, raise and follow tickets: through the outbox to the configured service desk."""

from __future__ import annotations

import logging
import time
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import conversation, services
from actions.answer import ActionAnswerQuestion
from actions.news import tell_news
from actions.requester import requester_of
from actions.utter import awaiting, send
from bot import replies
from bot.knowledge import KnowledgeError
from bot.rasa_api import PUSH_CHANNELS
from bot.redaction import redact_typed_secrets
from bot.servicedesk import ServiceDeskError, TicketNotFound, TicketRequest, TicketStatus
from bot.servicedesk.outbox import DELIVERED, Entry
from bot.servicedesk.transcript import OfferedArticle, ticket_description
from bot.servicedesk.triage import HIGH, LOW, MEDIUM, ArticleRouting, answer_levels, assess

logger = logging.getLogger(__name__)

RESET_TICKET_SLOTS = ("ticket_summary", "ticket_confirmed", "ticket_impact", "awaiting")
WAITING = "recorded, waiting to reach the service desk"  # the status of a request the desk has not got yet


def _reset() -> list[EventType]:
    return [SlotSet(slot, None) for slot in RESET_TICKET_SLOTS]


class ActionTellTicketNews(Action):
    """Run by the worker (EXTERNAL_ticket_update) when a request settles after its turn ended:
    tell the user now, where the channel can send outside a turn (bot/rasa_api.py)."""

    def name(self) -> str:
        return "action_tell_ticket_news"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if tracker.get_latest_input_channel() in PUSH_CHANNELS:
            tell_news(dispatcher, tracker)
        return []


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

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        """Last, ask "how bad is it?", but only when neither an article nor the user's words say."""
        slots = [s for s in domain_slots if s != "ticket_impact"]
        said = conversation.problem_text(tracker.events, tracker.get_slot("ticket_summary"))
        answered = tracker.get_slot("ticket_impact") is not None  # keep it, so the answer is validated
        if answered or (tracker.get_slot("last_article_id") is None and assess(said).unclear):
            slots.append("ticket_impact")
        return slots

    def validate_ticket_summary(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        summary = conversation.clean_summary(value if isinstance(value, str) else None)
        if summary is None and value:  # nothing drafted yet is not the user's fault: just ask
            dispatcher.utter_message(response="utter_summary_too_short")
        return {"ticket_summary": summary}

    def validate_ticket_impact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        answer = answer_levels(value if isinstance(value, str) else None)
        return {"ticket_impact": "/".join(answer) if answer else None}

    def validate_ticket_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is True:
            return {"ticket_confirmed": True}
        return {"ticket_confirmed": None, "ticket_summary": None}  # "no": ask for a better summary


def _impact_slot(value: str | None) -> tuple[str | None, str | None]:
    """(impact, urgency) from the slot: "impact/urgency" once validated, else the user's own words."""
    levels = (value or "").split("/")
    if len(levels) == 2 and all(level in (HIGH, MEDIUM, LOW) for level in levels):
        return levels[0], levels[1]
    return answer_levels(value) or (None, None)


def _ticket_request(tracker: Tracker) -> TicketRequest:
    events = tracker.events
    summary = tracker.get_slot("ticket_summary") or conversation.draft_summary(events) or "Help requested"
    offered, last = [], None
    requester = requester_of(tracker)
    try:
        kb = services.knowledge_base()
        for article_id, helped in conversation.offered_articles(events):
            article = kb.article(article_id, requester.tenant)
            offered.append(OfferedArticle(article_id, article.title if article else article_id, helped))
        last = kb.article(tracker.get_slot("last_article_id") or "", requester.tenant)
    except KnowledgeError:
        logger.exception("knowledge base unavailable; ticket raised without article details")
    impact, urgency = _impact_slot(tracker.get_slot("ticket_impact"))
    escalation = last.escalation if last else None
    routing = ArticleRouting(last.category, escalation.group, escalation.priority) if last and escalation else None
    triage = services.router().triage(
        conversation.problem_text(events, summary), requester.tenant, routing, impact=impact, urgency=urgency
    )
    return TicketRequest(
        summary=redact_typed_secrets(summary),
        description=ticket_description(summary, conversation.turns(events), offered),
        requester=requester,
        category=triage.category,
        priority=triage.priority,
        resolver_group=triage.resolver_group,
        correlation_id=conversation.correlation_id(tracker.sender_id, events),
    )


def _wait_for_delivery(correlation_id: str) -> Entry | None:
    worker = services.worker()
    if worker is not None:
        worker.nudge()
    deadline = time.monotonic() + services.ticket_wait()
    while True:
        entry = services.outbox().get(correlation_id)
        if entry is None or entry.state == DELIVERED or time.monotonic() > deadline:
            return entry
        time.sleep(0.1)


class ActionCreateTicket(Action):
    """Record the request in the outbox, then give the desk's reference if it comes in a few seconds,
    and the outbox's receipt otherwise (the reference follows on a later turn)."""

    def name(self) -> str:
        return "action_create_ticket"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        request = _ticket_request(tracker)
        try:
            entry = services.outbox().submit(request, tracker.sender_id, tracker.get_latest_input_channel())
        except ServiceDeskError:
            logger.exception("outbox unavailable; ticket %s not recorded", request.correlation_id)
            send(dispatcher, replies.ticket_failed())
            return _reset()
        major = request.priority == "P1"
        delivered = _wait_for_delivery(entry.correlation_id)
        if delivered is not None and delivered.ticket is not None:
            services.outbox().mark_told(entry.correlation_id)
            send(dispatcher, replies.ticket_created(delivered.ticket.ref, delivered.ticket.url, major))
            return [*_reset(), SlotSet("ticket_ref", delivered.ticket.ref)]
        send(dispatcher, replies.ticket_recorded(entry.receipt, major))
        return [*_reset(), SlotSet("ticket_ref", entry.receipt)]


def _own_tickets(tracker: Tracker, asked: str | None) -> list[tuple[str, str, str]]:
    """(ref, status, summary) of the requester's tickets: the one asked about, or all open ones,
    with requests still waiting in the outbox."""
    requester, desk = requester_of(tracker), services.service_desk()
    if asked:
        entry = services.outbox().by_receipt(tracker.sender_id, asked) if asked.startswith("ASKIT-") else None
        if entry is not None and entry.ref is None:
            return [(entry.receipt, WAITING, entry.request.summary)]
        ref = entry.ref if entry and entry.ref else asked
        try:
            status: TicketStatus = desk.get_status(ref)
        except TicketNotFound:
            return []
        return [(status.ref, status.status, status.summary)] if status.belongs_to(requester) else []
    waiting = [e for e in services.outbox().for_conversation(tracker.sender_id) if e.state != DELIVERED]
    found = [(t.ref, t.status, t.summary) for t in desk.list_open(requester) if t.belongs_to(requester)]
    return [(e.receipt, WAITING, e.request.summary) for e in waiting] + found


class ActionTicketStatus(Action):
    """Status of a named ticket, or the requester's open tickets; only the requester's own."""

    def name(self) -> str:
        return "action_ticket_status"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        tell_news(dispatcher, tracker)
        asked = conversation.ticket_ref_in(tracker.latest_message.get("text"))
        try:
            tickets = _own_tickets(tracker, asked)
        except ServiceDeskError:
            logger.exception("ticket status look-up failed")
            dispatcher.utter_message(response="utter_desk_unavailable")
            return []
        send(dispatcher, replies.ticket_status(tickets, asked))
        return []


class ActionAddComment(Action):
    """ "Add to my ticket: ..." adds a comment to the requester's own ticket: the one named, else the
    one raised in this conversation, else their only open one."""

    def name(self) -> str:
        return "action_add_comment"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        text = tracker.latest_message.get("text")
        comment = conversation.comment_in(text)
        if comment is None and not conversation.mentions_ticket(text):  # NLU guessed wrong: it is a question
            return ActionAnswerQuestion().run(dispatcher, tracker, domain)
        if comment is None:
            send(dispatcher, replies.comment_needs("text"))
            return []
        requester, desk = requester_of(tracker), services.service_desk()
        try:
            ref = conversation.ticket_ref_in(text) or tracker.get_slot("ticket_ref")
            if ref is not None and ref.startswith("ASKIT-"):
                entry = services.outbox().by_receipt(tracker.sender_id, ref)
                ref = entry.ref if entry else None
            if ref is None:
                open_refs = [t.ref for t in desk.list_open(requester) if t.belongs_to(requester)]
                if len(open_refs) != 1:
                    send(dispatcher, replies.comment_needs("ticket", open_refs))
                    return []
                ref = open_refs[0]
            if not desk.get_status(ref).belongs_to(requester):
                raise TicketNotFound(ref)
            desk.add_comment(ref, redact_typed_secrets(comment))
        except TicketNotFound:
            send(dispatcher, replies.ticket_status([], ref))
            return []
        except ServiceDeskError:
            logger.exception("comment could not be added")
            dispatcher.utter_message(response="utter_desk_unavailable")
            return []
        send(dispatcher, replies.comment_added(ref))
        return [SlotSet("ticket_ref", ref)]
