"""Tell the user what became of ticket requests recorded earlier in the conversation."""

from __future__ import annotations

import asyncio
import logging

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.utter import send
from bot import replies
from bot.servicedesk import ServiceDeskError
from bot.servicedesk.live_chat import CORRELATION_PREFIX
from bot.servicedesk.tickets import TicketService

logger = logging.getLogger(__name__)


async def tell_news(
    tickets: TicketService, dispatcher: CollectingDispatcher, tracker: Tracker, desk: replies.DeskLine
) -> None:
    try:
        settled = await asyncio.to_thread(tickets.news, tracker.sender_id)
    except ServiceDeskError:
        logger.exception("outbox unreadable; news kept for later")
        return
    for entry in settled:
        if entry.correlation_id.startswith(CORRELATION_PREFIX):  # a live chat's record, not a request of theirs
            if entry.ref is not None:  # one the desk could not take is the team's to resend, not the user's
                send(dispatcher, replies.chat_logged(entry.ref, entry.url))
            continue
        send(dispatcher, replies.ticket_news(entry.receipt, entry.ref, entry.url, desk))
