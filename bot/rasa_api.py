"""Tell a conversation something later, through the Rasa server's HTTP API.

When a ticket request reaches the desk (or is parked) after the user's turn has ended, the worker
asks Rasa to run ``EXTERNAL_ticket_update`` in that conversation with ``output_channel=latest``;
the rule runs ``action_tell_ticket_news``, and a channel that can send later (the web chat; Teams)
shows the news at once. Other channels (the REST webhook) cannot, so they are not asked: their
users hear it on their next message. Known incidents' subscribers are told the same way
(``EXTERNAL_incident_update``, bot/incidents/notifier.py).

Settings: ``ASKIT_RASA_URL`` and ``ASKIT_RASA_TOKEN`` (the Rasa server's ``--auth-token``), both set
by ``bot/launcher.py``; without them nothing is pushed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from urllib.parse import quote

import requests

from bot.secret import Secret

logger = logging.getLogger(__name__)

EXTERNAL_INTENT = "EXTERNAL_ticket_update"
PUSH_CHANNELS = frozenset({"webchat", "teams"})  # input channels whose output channel can send outside a turn
TIMEOUT = 30.0
# What a URL path segment holds as it is (RFC 3986 pchar, beside letters, digits and -._~). The Rasa
# server (Sanic) does not decode its path: a Teams id "a:1b2c-personal" sent as "a%3A1b2c-personal"
# named a conversation that does not exist, and the news went nowhere. So an id goes into the path
# as it is, and one that cannot (a "/", a space, a "%") is not pushed to at all.
PATH_SAFE = "!$&'()*+,;=:@"


class RasaNotifier:
    def __init__(self, url: str, token: Secret, delay: float = 0.0) -> None:
        self.url, self._token, self.delay = url.rstrip("/"), token, delay

    @classmethod
    def from_env(cls, env: Mapping[str, str], delay: float = 0.0) -> RasaNotifier | None:
        url, token = env.get("ASKIT_RASA_URL", "").strip(), env.get("ASKIT_RASA_TOKEN", "").strip()
        return cls(url, Secret(token), delay) if url and token else None

    def __repr__(self) -> str:
        return f"RasaNotifier({self.url!r})"

    def notify_later(self, conversation_id: str, still_news: Callable[[], bool]) -> None:
        """After ``delay`` seconds (the turn that raised the ticket may still tell it), trigger the
        news in the conversation if ``still_news()``. In a thread: the worker never waits for Rasa."""

        def run() -> None:
            time.sleep(self.delay)
            if still_news():
                self.notify(conversation_id)

        threading.Thread(target=run, name="rasa-notify", daemon=True).start()

    def notify(self, conversation_id: str, intent: str = EXTERNAL_INTENT, what: str = "ticket news") -> bool:
        """Ask Rasa to run ``intent``'s rule in the conversation now, to tell ``what``; False (logged)
        if it could not."""
        if quote(conversation_id, safe=PATH_SAFE) != conversation_id:
            logger.warning("cannot push %s to conversation %r: Rasa's API cannot name it", what, conversation_id)
            return False
        try:
            answer = requests.post(
                f"{self.url}/conversations/{conversation_id}/trigger_intent",
                params={"output_channel": "latest", "token": self._token.reveal()},
                json={"name": intent},
                timeout=TIMEOUT,
            )
            answer.raise_for_status()
        except requests.RequestException as exc:  # the user still hears it on their next message
            logger.warning("could not push %s to conversation %s: %s", what, conversation_id, type(exc).__name__)
            return False
        return True
