"""Tell the user what became of ticket requests recorded earlier in the conversation."""

from __future__ import annotations

import logging

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.utter import send
from bot import replies
from bot.servicedesk import ServiceDeskError

logger = logging.getLogger(__name__)


def tell_news(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """Tell the user what became of requests recorded earlier in this conversation."""
    try:
        for entry in services.outbox().take_news(tracker.sender_id):
            send(dispatcher, replies.ticket_news(entry.receipt, entry.ref, entry.url))
    except ServiceDeskError:
        logger.exception("outbox unreadable; news kept for later")
