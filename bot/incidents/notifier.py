"""Tell each subscriber of a known incident about each change, once, in the chat they subscribed from.

The store knows who has news (a subscription whose version is behind its incident's). For channels
that can send outside a turn (the web chat; Teams), the notifier asks the Rasa server to run
``EXTERNAL_incident_update`` in the subscriber's conversation (bot/rasa_api.py); its action
(actions/incidents.py) takes the news from the store and says it. Taking is one conditional UPDATE,
so a push and the user's own next message never both tell it. Teams' rate limit is the
connector's to keep (bot/channels/connector.py: Retry-After, backoff). Other channels (the REST
webhook) cannot be pushed to: their users hear it on their next message.

A push that fails (the Rasa server down) is held for ``HOLD`` seconds and then tried again; a
subscriber whose chat no longer exists (a Teams conversation deleted) is told nothing, logged by
the channel, and the others are still told.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor

from bot.incidents.store import IncidentStore
from bot.rasa_api import PUSH_CHANNELS, RasaNotifier

logger = logging.getLogger(__name__)

INTENT = "EXTERNAL_incident_update"  # domain.yml; its rule runs action_tell_incident_news
HOLD = 60.0  # seconds a push holds its subscription: the turn it asks for is done well before
BATCH = 100  # subscriptions taken in one look
PARALLEL = 4  # pushes at once: each is a turn of its own conversation in the Rasa server


class IncidentNotifier:
    def __init__(
        self,
        store: IncidentStore,
        rasa: RasaNotifier,
        channels: Collection[str] = PUSH_CHANNELS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store, self.rasa, self.channels, self.clock = store, rasa, frozenset(channels), clock

    def push_due(self) -> int:
        """Ask for every push that is due now; returns how many the Rasa server took."""
        pushed = 0
        while due := self.store.due_pushes(self.channels, self.clock(), HOLD, BATCH):
            conversations = sorted({s.conversation for s in due})
            with ThreadPoolExecutor(PARALLEL, thread_name_prefix="incident-push") as pool:
                pushed += sum(pool.map(lambda c: self.rasa.notify(c, INTENT, "incident news"), conversations))
        return pushed
