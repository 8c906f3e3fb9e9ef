"""The actions' shared parts: the base class that holds the services, who is asking, the service
desk's line for them, sending a ``bot.replies.Reply``, and noting what the bot asked."""

from __future__ import annotations

import datetime as dt

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot import identity
from bot.replies import DeskLine, Reply
from bot.requester import Requester
from bot.services import Services


class ServiceAction(Action):
    """An action with the services built at start-up (bot/services.py) handed in."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def requester(self, tracker: Tracker) -> Requester:
        """Who is asking: the identity a verifying channel sealed into the latest message."""
        return identity.requester(
            tracker.sender_id,
            tracker.get_latest_input_channel(),
            tracker.latest_message.get("metadata"),
            self.services.seal,
        )

    def desk_line(self, tracker: Tracker) -> DeskLine:
        """The service desk's phone line for the requester's council, and whether it is open now."""
        desk = self.services.contacts.desk(self.requester(tracker).tenant)
        return desk.line(dt.datetime.now(dt.timezone.utc))


def awaiting(question: str | None) -> list[EventType]:
    """Record what the user's next yes or no answers: "feedback", "ticket_offer" or nothing."""
    return [SlotSet("awaiting", question)]


def then_listen(tracker: Tracker) -> list[EventType]:
    """The turn ends with this action: Rasa waits for the user's next message without asking its
    policies again (no rule follows an answer, and that second prediction was a tenth of Rasa's CPU
    per turn under load, docs/benchmarks.md). Not inside a form, whose loop goes on after it."""
    return [] if tracker.active_loop_name else [FollowupAction("action_listen")]


def send(dispatcher: CollectingDispatcher, reply: Reply) -> None:
    dispatcher.utter_message(
        text=reply["text"], buttons=[dict(b) for b in reply["buttons"]] or None, json_message=reply["custom"]
    )
