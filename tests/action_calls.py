"""What the Rasa server posts to the action server's ``/webhook``, written by hand: for the tests
and benchmarks that call the action server directly (as Rasa would, or as a forger would)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any


def action_call(
    action: str,
    text: Any,
    sender: str = "tester",
    intent: str = "ask_question",
    slots: Mapping[str, Any] | None = None,
    channel: str = "rest",
) -> dict[str, Any]:
    """The call that runs ``action`` right after ``sender`` said ``text`` (read as ``intent``)."""
    parse = {"text": text, "intent": {"name": intent, "confidence": 1.0}, "entities": [], "intent_ranking": []}
    return {
        "next_action": action,
        "sender_id": sender,
        "tracker": {
            "sender_id": sender,
            "slots": dict(slots or {}),
            "latest_message": parse,
            "latest_event_time": time.time(),
            "followup_action": None,
            "paused": False,
            "events": [
                {"event": "action", "name": "action_listen"},
                {"event": "user", "text": text, "parse_data": parse, "timestamp": time.time()},
            ],
            "latest_input_channel": channel,
            "active_loop": {},
            "latest_action": {"action_name": "action_listen"},
            "latest_action_name": "action_listen",
        },
        "domain": {"slots": {}, "responses": {}, "intents": [intent], "entities": [], "forms": {}},
        "version": "3.6.21",
    }
