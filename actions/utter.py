"""Send a ``bot.replies.Reply`` through the rasa-sdk dispatcher."""

from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from bot.replies import Reply


def send(dispatcher: CollectingDispatcher, reply: Reply) -> None:
    dispatcher.utter_message(
        text=reply["text"], buttons=[dict(b) for b in reply["buttons"]] or None, json_message=reply["custom"]
    )
