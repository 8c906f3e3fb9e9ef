"""Offer, confirm, raise and follow tickets. The logic is bot/servicedesk/tickets.py's; these read
the tracker, run it off the event loop and say what it returns."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answer import ActionAnswerQuestion
from actions.news import tell_news
from actions.utter import ServiceAction, awaiting, send
from bot import conversation, replies
from bot.rasa_api import PUSH_CHANNELS
from bot.requester import Requester
from bot.servicedesk import ServiceDeskError, TicketNotFound
from bot.servicedesk.tickets import Said, asks_impact, impact_slot_value

logger = logging.getLogger(__name__)

RESET_TICKET_SLOTS = ("ticket_summary", "ticket_confirmed", "ticket_impact", "awaiting")


def _reset() -> list[EventType]:
    return [SlotSet(slot, None) for slot in RESET_TICKET_SLOTS]


def said(tracker: Tracker, requester: Requester) -> Said:
    """The parts of the conversation a ticket is made from."""
    return Said(
        sender_id=tracker.sender_id,
        channel=tracker.get_latest_input_channel(),
        events=tracker.events,
        requester=requester,
        summary=tracker.get_slot("ticket_summary"),
        impact=tracker.get_slot("ticket_impact"),
        last_article_id=tracker.get_slot("last_article_id"),
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
    """After "that didn't help": offer to raise a ticket. After "I want a person": the desk's phone
    line and whether it is open, then the ticket, unless the user said they don't want one. Before
    any article was tried, "it still won't work" is a question, not a failed answer."""

    def name(self) -> str:
        return "action_offer_ticket"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if intent == "request_human":
            text = tracker.latest_message.get("text")
            offer = not (conversation.refuses_ticket(text) or conversation.declined_ticket(tracker.events))
            send(dispatcher, replies.person(self.desk_line(tracker), offer_ticket=offer))
            return awaiting("ticket_offer" if offer else None)
        if not conversation.tried_articles(tracker.events):  # "the vpn still won't work" as a first message
            return await ActionAnswerQuestion(self.services).run(dispatcher, tracker, domain)
        send(dispatcher, replies.ticket_offer("not_helped", tracker.get_slot("last_article_id")))
        return awaiting("ticket_offer")


class ActionStartTicket(Action):
    """The user wants a ticket: propose a summary drafted from what they asked."""

    def name(self) -> str:
        return "action_start_ticket"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        summary = conversation.draft_summary(tracker.events)
        return [SlotSet("ticket_summary", summary), SlotSet("ticket_confirmed", None), SlotSet("awaiting", None)]


class ActionDropTicket(ServiceAction):
    """The user declined the offer or left the ticket form: nothing raised, and the phone line instead."""

    def name(self) -> str:
        return "action_drop_ticket"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        send(dispatcher, replies.no_ticket(self.desk_line(tracker)))
        return _reset()


class ActionAskTicketConfirmed(Action):
    def name(self) -> str:
        return "action_ask_ticket_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
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
        try:
            raised = await self.services.tickets.raise_ticket(said(tracker, requester))
        except ServiceDeskError:
            logger.exception("outbox unavailable; ticket not recorded")
            send(dispatcher, replies.ticket_failed(self.desk_line(tracker)))
            return _reset()
        promise = self.services.contacts.desk(requester.tenant).response_times.get(raised.priority)
        routed = replies.Routed(raised.priority, raised.resolver_group, promise)
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
        send(dispatcher, replies.ticket_status([t.as_tuple() for t in tickets], asked, chased=chased is not None))
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
