"""Who is asking: the identity a verifying channel sealed into the latest message (bot/identity.py)."""

from __future__ import annotations

from rasa_sdk import Tracker

from actions import services
from bot import identity
from bot.servicedesk import Requester


def requester_of(tracker: Tracker) -> Requester:
    return identity.requester(
        tracker.sender_id,
        tracker.get_latest_input_channel(),
        tracker.latest_message.get("metadata"),
        services.identity_seal(),
    )
