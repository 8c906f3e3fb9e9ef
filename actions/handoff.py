"""Asking for a person, and filing a finished live chat with the desk. The decisions are
bot/handoff/offer.py's and bot/servicedesk/live_chat.py's; these read the tracker and say what they return."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Coroutine
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.utter import ServiceAction, awaiting, send
from bot import conversation, replies, sql
from bot.handoff.errors import HandoffError
from bot.handoff.models import OpenTicket
from bot.handoff.offer import NoPerson, Queued, Request, offer
from bot.servicedesk import ServiceDeskError
from bot.servicedesk.live_chat import ticket_request

logger = logging.getLogger(__name__)
NO_SUMMARY = "Asked to talk to a person"


async def ask_for_person(action: ServiceAction, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """Queue the user for a live chat when a person can take it now; otherwise say why, when the
    desk opens, and offer the phone line and a ticket as before."""
    services = action.services
    requester = action.requester(tracker)
    text = tracker.latest_message.get("text")
    wants_ticket = not (conversation.refuses_ticket(text) or conversation.declined_ticket(tracker.events))
    result: Queued | NoPerson = NoPerson("channel")
    if services.handoffs is not None and services.live_chat is not None:
        summary = conversation.last_question(tracker.events) or NO_SUMMARY
        verified = services.seal.open(tracker.sender_id, tracker.latest_message.get("metadata")) is not None
        channel = tracker.get_latest_input_channel() or ""
        routed = services.tickets.router.triage(summary, requester.tenant).resolver_group
        request = Request(
            conversation=tracker.sender_id,
            channel=channel,
            requester=requester,
            verified=verified,
            summary=summary,
            reference={"channel": channel, "conversation": tracker.sender_id},
            routed_group=routed,
        )
        try:
            result = await asyncio.to_thread(offer, services.live_chat, services.handoffs, request, now=time.time())
        except (HandoffError, sql.DatabaseError) as exc:  # the database is down: the phone line and a ticket still work
            logger.error("live chat unavailable: %s", type(exc).__name__)
    if isinstance(result, Queued):
        send(dispatcher, replies.handoff_queued(result.handoff.id, result.position, result.wait_seconds))
        _in_background(_note_open_tickets(action, tracker, result.handoff.id))
        return awaiting(None)
    opens = _when(result.opens, services.contacts.desk(requester.tenant).zone) if result.opens else None
    send(dispatcher, replies.no_person(result.why, opens, action.desk_line(tracker), offer_ticket=wants_ticket))
    return awaiting("ticket_offer" if wants_ticket else None)


_background: set[asyncio.Task[None]] = set()  # held until done: a task nobody references may be collected


def _in_background(work: Coroutine[Any, Any, None]) -> None:
    task = asyncio.create_task(work)
    _background.add(task)
    task.add_done_callback(_background.discard)


async def _note_open_tickets(action: ServiceAction, tracker: Tracker, handoff_id: str) -> None:
    """The requester's open tickets, for the agent who takes the chat: asked of the desk after the
    user is told they are queued, so a slow desk never delays that."""
    services = action.services
    if services.handoffs is None:
        return
    try:
        own = await asyncio.to_thread(services.tickets.own_tickets, tracker.sender_id, action.requester(tracker), None)
        listed = [OpenTicket(t.ref, t.summary, t.status) for t in own]
        await asyncio.to_thread(services.handoffs.set_open_tickets, handoff_id, listed)
    except (ServiceDeskError, HandoffError, sql.DatabaseError) as exc:  # the console says nothing rather than "none"
        logger.warning("live chat %s: the requester's open tickets are not known: %s", handoff_id, type(exc).__name__)


def _when(at: dt.datetime, zone: dt.tzinfo) -> str:
    local = at.astimezone(zone)
    today = dt.datetime.now(zone).date()
    if local.date() == today:
        day = "today"
    elif local.date() == today + dt.timedelta(days=1):
        day = "tomorrow"
    else:
        day = f"on {local:%A %d %B}"
    return f"{day} at {local:%H:%M}"


class ActionFileHandoff(ServiceAction):
    """Run by the broker (EXTERNAL_handoff_closed) when a live chat ends: its transcript, notes and
    outcome go to the desk through the outbox, as a ticket of its own."""

    def name(self) -> str:
        return "action_file_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        handoff_id = next(
            (e.get("value") for e in tracker.latest_message.get("entities") or [] if e.get("entity") == "handoff_id"),
            None,
        )
        store = self.services.handoffs
        if not isinstance(handoff_id, str) or store is None:
            return []
        try:
            handoff = await asyncio.to_thread(store.get, handoff_id)
            if handoff.conversation != tracker.sender_id or handoff.is_open:
                return []
            transcript = await asyncio.to_thread(store.transcript, handoff_id, True)
            triage = self.services.tickets.router.triage(handoff.summary, handoff.tenant)
            request = ticket_request(handoff, transcript, triage.category, triage.priority)
            entry = await asyncio.to_thread(
                self.services.tickets.outbox.submit, request, tracker.sender_id, handoff.channel
            )
            if self.services.tickets.worker is not None:
                self.services.tickets.worker.nudge()
            await asyncio.to_thread(store.link_ticket, handoff_id, entry.receipt)
        except (HandoffError, ServiceDeskError, sql.DatabaseError) as exc:
            logger.error("live chat %s not filed: %s", handoff_id, type(exc).__name__)
        return []
