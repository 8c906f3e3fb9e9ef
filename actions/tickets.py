"""Offer, confirm, raise and follow tickets. The logic is bot/servicedesk/tickets.py's; these read
the tracker, run it off the event loop and say what it returns."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answer import ActionAnswerQuestion
from actions.handoff import ask_for_person
from actions.incidents import DISMISSED, incident_card, linked_incident, matched_incident
from actions.news import tell_news
from actions.utter import ServiceAction, awaiting, send
from bot import conversation, replies
from bot.details import DETAILS, NOT_KNOWN, detail_value
from bot.incidents.models import Incident
from bot.knowledge import Article, DecisionKind, KnowledgeError
from bot.rasa_api import PUSH_CHANNELS
from bot.requester import Requester
from bot.servicedesk import ServiceDeskError, TicketNotFound
from bot.servicedesk.tickets import KnownIncident, OwnTicket, Said, asks_impact, impact_slot_value

logger = logging.getLogger(__name__)


def detail_slot(name: str) -> str:
    """The ticket form's slot for one detail the desk needs (bot/details.py): ticket_asset_tag, ..."""
    return f"ticket_{name}"


DETAIL_SLOTS = tuple(detail_slot(name) for name in DETAILS)
RESET_TICKET_SLOTS = ("ticket_summary", "ticket_confirmed", "ticket_impact", "ticket_asks", *DETAIL_SLOTS, "awaiting")


def _reset() -> list[EventType]:
    return [SlotSet(slot, None) for slot in RESET_TICKET_SLOTS]


def said(tracker: Tracker, requester: Requester, incident: KnownIncident | None = None) -> Said:
    """The parts of the conversation a ticket is made from; ``incident``: the known incident it is part of."""
    return Said(
        sender_id=tracker.sender_id,
        channel=tracker.get_latest_input_channel(),
        events=tracker.events,
        requester=requester,
        summary=tracker.get_slot("ticket_summary"),
        impact=tracker.get_slot("ticket_impact"),
        last_article_id=tracker.get_slot("last_article_id"),
        details={name: value for name in DETAILS if (value := tracker.get_slot(detail_slot(name)))},
        thread=tracker.get_slot("thread"),
        incident=incident,
    )


class ActionTellTicketNews(ServiceAction):
    """Run by the worker (EXTERNAL_ticket_update) when a request settles after its turn ended:
    tell the user now, where the channel can send outside a turn (bot/rasa_api.py)."""

    def name(self) -> str:
        return "action_tell_ticket_news"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if tracker.get_latest_input_channel() in PUSH_CHANNELS:
            await tell_news(self.services.tickets, dispatcher, tracker, self.desk_line(tracker))
        return []


class ActionOfferTicket(ServiceAction):
    """After "that didn't help": offer to raise a ticket. After "I want a person": a live chat when a
    person can take it now (actions/handoff.py), else the desk's phone line and whether it is open,
    then the ticket, unless the user said they don't want one. Before
    any article was tried, "it still won't work" is a question, not a failed answer."""

    def name(self) -> str:
        return "action_offer_ticket"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent == "request_human":
            return await ask_for_person(self, dispatcher, tracker)
        if not conversation.tried_articles(tracker.events):  # "the vpn still won't work" as a first message
            return await ActionAnswerQuestion(self.services).run(dispatcher, tracker, domain)
        send(dispatcher, replies.ticket_offer("not_helped", tracker.get_slot("last_article_id")))
        return awaiting("ticket_offer")


class ActionStartTicket(ServiceAction):
    """The user wants a ticket: propose a summary drafted from what they asked, and note which
    details the desk needs that the conversation does not give."""

    def name(self) -> str:
        return "action_start_ticket"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        text = tracker.latest_message.get("text") or ""
        incident = await _unseen_incident(self, tracker, text)
        if incident is not None:  # "the crm is down, I need a ticket": what is known first, and no form
            send(dispatcher, incident_card(self, tracker, incident))
            return [*_reset(), SlotSet("thread", text), FollowupAction("action_listen")]
        summary = conversation.draft_summary(tracker.events, tracker.get_slot("thread"))
        asks = await asyncio.to_thread(self.services.tickets.details_to_ask, said(tracker, self.requester(tracker)))
        return [
            *_reset(),
            SlotSet("ticket_summary", summary),
            SlotSet("ticket_asks", asks),
        ]


class ActionDropTicket(ServiceAction):
    """The user declined the offer or left the ticket form: nothing raised, and the phone line instead."""

    def name(self) -> str:
        return "action_drop_ticket"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        send(dispatcher, replies.no_ticket(self.desk_line(tracker)))
        return _reset()


async def _unseen_incident(action: ServiceAction, tracker: Tracker, text: str) -> Incident | None:
    """The active incident ``text`` is about, unless the user has seen its card or dismissed it."""
    incident = await matched_incident(action, tracker, text, tracker.get_slot(DISMISSED) or [])
    if incident is None or conversation.shown_incident(tracker.events) == incident.id:
        return None
    return incident


class ActionAskTicketConfirmed(ServiceAction):
    """ "Is this right?" about the summary; or, when what the user just typed as the summary is a
    new problem that an article answers (not the one that failed), "start again with this?"."""

    def name(self) -> str:
        return "action_ask_ticket_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        summary = tracker.get_slot("ticket_summary") or ""
        typed = conversation.clean_summary(tracker.latest_message.get("text")) == summary
        # new only beside a problem already in this conversation; with none, it is the problem
        earlier = tracker.get_slot("thread")
        incident = await _unseen_incident(self, tracker, summary) if typed and summary else None
        if incident is not None:  # before a ticket, what the desk already knows
            send(dispatcher, replies.known_problem_instead(summary, incident.id, incident.title))
            return [SlotSet("thread", summary)]
        article = await self._new_problem(tracker, summary) if typed and summary and earlier else None
        if article is None:
            send(dispatcher, replies.confirm_summary(summary))
            return []
        send(dispatcher, replies.start_again(summary, article.title))
        # raised anyway, it is about the new problem: the failed article's team and details no longer
        # apply, and triage reads the new problem
        return [SlotSet("last_article_id", None), SlotSet("ticket_asks", []), SlotSet("thread", summary)]

    async def _new_problem(self, tracker: Tracker, summary: str) -> Article | None:
        """The article that answers ``summary``, when it is not the one already tried."""
        try:
            result = await asyncio.to_thread(
                self.services.knowledge.search, summary, tenant=self.requester(tracker).tenant
            )
        except KnowledgeError:
            logger.exception("knowledge base unavailable; the summary is taken as typed")
            return None
        if result.decision.kind is not DecisionKind.ANSWER or result.articles[0].id == tracker.get_slot(
            "last_article_id"
        ):
            return None
        return result.articles[0]


class ActionStartAgain(ServiceAction):
    """ "Yes, start again with this": the ticket form is left with nothing raised, and what the
    user typed as its summary is answered as a new question."""

    def name(self) -> str:
        return "action_start_again"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        question = tracker.get_slot("ticket_summary") or conversation.last_question(tracker.events)
        if not question:
            dispatcher.utter_message(response="utter_confused_yes_no")
            return _reset()
        answered = await ActionAnswerQuestion(self.services).answer(dispatcher, tracker, question)
        return [*_reset(), *answered]


class ActionAskDetail(Action):
    """The ticket form's question for one detail the desk needs, with a "Don't know" button."""

    def __init__(self, detail: str) -> None:
        self.detail = detail

    def name(self) -> str:
        return f"action_ask_{detail_slot(self.detail)}"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        send(dispatcher, replies.ask_detail(self.detail))
        return []


class ValidateTicketForm(FormValidationAction):
    def name(self) -> str:
        return "validate_ticket_form"

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        """After the summary, the details the desk needs (noted when the ticket started); last, "how
        bad is it?", but only when neither an article nor the user's words say."""
        asks = [detail_slot(name) for name in tracker.get_slot("ticket_asks") or () if name in DETAILS]
        slots = [s for s in domain_slots if s != "ticket_impact" and s not in DETAIL_SLOTS] + asks
        ask = asks_impact(
            tracker.events,
            tracker.get_slot("ticket_summary"),
            tracker.get_slot("ticket_impact"),
            tracker.get_slot("last_article_id"),
        )
        return [*slots, "ticket_impact"] if ask else slots

    def validate_ticket_summary(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        summary = conversation.clean_summary(value if isinstance(value, str) else None)
        if summary is None and value:  # nothing drafted yet is not the user's fault: just ask
            dispatcher.utter_message(response="utter_summary_too_short")
        return {"ticket_summary": summary}

    def validate_ticket_asset_tag(self, value: Any, *_: Any) -> dict[str, Any]:
        return {"ticket_asset_tag": detail_value(value if isinstance(value, str) else None)}

    def validate_ticket_location(self, value: Any, *_: Any) -> dict[str, Any]:
        return {"ticket_location": detail_value(value if isinstance(value, str) else None)}

    def validate_ticket_contact_number(self, value: Any, *_: Any) -> dict[str, Any]:
        return {"ticket_contact_number": detail_value(value if isinstance(value, str) else None)}

    def validate_ticket_error_text(self, value: Any, *_: Any) -> dict[str, Any]:
        return {"ticket_error_text": detail_value(value if isinstance(value, str) else None)}

    def validate_ticket_impact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {"ticket_impact": impact_slot_value(value if isinstance(value, str) else None)}


class ActionCreateTicket(ServiceAction):
    """Record the request in the outbox, then give the desk's reference if it comes in a few seconds,
    and the outbox's receipt otherwise (the reference follows on a later turn)."""

    def name(self) -> str:
        return "action_create_ticket"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        requester = self.requester(tracker)
        incident = await linked_incident(self, tracker)
        try:
            raised = await self.services.tickets.raise_ticket(said(tracker, requester, incident))
        except ServiceDeskError:
            logger.exception("outbox unavailable; ticket not recorded")
            send(dispatcher, replies.ticket_failed(self.desk_line(tracker)))
            return _reset()
        promise = self.services.contacts.desk(requester.tenant).response_times.get(raised.priority)
        call_back = tracker.get_slot("ticket_contact_number")
        routed = replies.Routed(
            raised.priority,
            raised.resolver_group,
            promise,
            None if call_back == NOT_KNOWN else call_back,
            incident.incident_id if incident else None,
        )
        if raised.delivered:
            send(dispatcher, replies.ticket_created(raised.ref, raised.url, routed))
        else:
            send(dispatcher, replies.ticket_recorded(raised.ref, routed))
        return [*_reset(), SlotSet("ticket_ref", raised.ref)]


class ActionTicketStatus(ServiceAction):
    """Status of a named ticket, or the requester's open tickets; only the requester's own. "Can you
    chase it?" also adds a chase note to their ticket, never raises a new one."""

    def name(self) -> str:
        return "action_ticket_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        await tell_news(self.services.tickets, dispatcher, tracker, self.desk_line(tracker))
        text = tracker.latest_message.get("text")
        asked, chased = conversation.ticket_ref_in(text), None
        if conversation.is_chase(text):
            chased = await add_to_ticket(self, dispatcher, tracker, CHASE_NOTE)
            if chased is None:
                return []
            asked = chased
        try:
            tickets = await asyncio.to_thread(
                self.services.tickets.own_tickets, tracker.sender_id, self.requester(tracker), asked
            )
        except ServiceDeskError:
            logger.exception("ticket status look-up failed")
            send(dispatcher, replies.desk_unavailable(self.desk_line(tracker)))
            return []
        zone = self.services.contacts.desk(self.requester(tracker).tenant).zone
        lines = [status_line(t, zone) for t in tickets]
        send(dispatcher, replies.ticket_status(lines, asked, chased=chased is not None))
        return [SlotSet("ticket_ref", chased)] if chased else []


class ActionAddComment(ServiceAction):
    """ "Add to my ticket: ..." adds a comment to the requester's own ticket: the one named, else the
    one raised in this conversation, else their only open one."""

    def name(self) -> str:
        return "action_add_comment"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        text = tracker.latest_message.get("text")
        comment = conversation.comment_in(text)
        if comment is None and not conversation.mentions_ticket(text):  # NLU guessed wrong: it is a question
            return await ActionAnswerQuestion(self.services).run(dispatcher, tracker, domain)
        if comment is None:
            send(dispatcher, replies.comment_needs("text"))
            return []
        target = await add_to_ticket(self, dispatcher, tracker, comment)
        if target is None:
            return []
        send(dispatcher, replies.comment_added(target))
        return [SlotSet("ticket_ref", target)]


def status_line(ticket: OwnTicket, zone: dt.tzinfo) -> replies.TicketLine:
    """A ticket as the status reply shows it: the desk's name for its team, else the team AskIT
    sent it to; times in the requester's time zone."""

    def when(at: dt.datetime | None) -> str | None:
        return f"{at.astimezone(zone):%d %b at %H:%M}" if at else None

    team = ticket.desk_group or (f"the {replies.team_name(ticket.group)} team" if ticket.group else None)
    reply = ticket.reply
    return replies.TicketLine(
        ticket.ref,
        ticket.status,
        ticket.summary,
        team,
        when(ticket.updated_at),
        reply.text if reply else None,
        when(reply.at) if reply else None,
    )


CHASE_NOTE = "The requester asked AskIT to chase this ticket: they are waiting for an update."


async def add_to_ticket(
    action: ServiceAction, dispatcher: CollectingDispatcher, tracker: Tracker, comment: str
) -> str | None:
    """Add ``comment`` to the requester's ticket: the one named now, else the one raised in this
    conversation, else their only open one. The reference, or None when the user has been told why
    not (which ticket? not theirs? the desk down?)."""
    tickets, requester = action.services.tickets, action.requester(tracker)
    named = conversation.ticket_ref_in(tracker.latest_message.get("text")) or tracker.get_slot("ticket_ref")
    try:
        target = await asyncio.to_thread(tickets.comment_target, tracker.sender_id, requester, named)
        if isinstance(target, list):
            send(dispatcher, replies.comment_needs("ticket", target))
            return None
        await asyncio.to_thread(tickets.add_comment, target, comment)
    except TicketNotFound:
        send(dispatcher, replies.ticket_status([], named))
        return None
    except ServiceDeskError:
        logger.exception("comment could not be added")
        send(dispatcher, replies.desk_unavailable(action.desk_line(tracker)))
        return None
    return target
