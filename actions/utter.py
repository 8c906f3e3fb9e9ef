"""Send a ``bot.replies.Reply`` through the rasa-sdk dispatcher, and note what it asked."""

from __future__ import annotations

from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.replies import Reply


def awaiting(question: str | None) -> list[EventType]:
    """Record what the user's next yes or no answers: "feedback", "ticket_offer" or nothing."""
    return [SlotSet("awaiting", question)]


def send(dispatcher: CollectingDispatcher, reply: Reply) -> None:
    dispatcher.utter_message(
        text=reply["text"], buttons=[dict(b) for b in reply["buttons"]] or None, json_message=reply["custom"]
    )
