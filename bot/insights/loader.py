"""One load of the insights store: RabbitMQ's queue moved into the events table first (when
EVENTS_AMQP_URL is set), the events since the last load judged, then the question text and the
events older than ``retention_days`` forgotten.

``python -m bot.insights load`` runs it once, from cron or a systemd timer. The back office runs it
every ASKIT_INSIGHTS_LOAD_SECONDS when that is set (``make run`` sets 60), so that the dashboard
shows a chat had on the same machine a minute later. Loads never count an event twice, whichever
runs them: each batch is one transaction with its checkpoint (bot/insights/store.py).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass

from bot import sql
from bot.amqp_url import amqp_url
from bot.config import ConfigurationError
from bot.insights.events import forget_events, location
from bot.insights.relay import relay
from bot.insights.settings import InsightsSettings
from bot.insights.store import InsightsStore, Loaded
from bot.paths import VAR_DIR
from bot.periodic import Periodic

LOAD_SECONDS_SETTING = "ASKIT_INSIGHTS_LOAD_SECONDS"
DAY = 86_400.0

logger = logging.getLogger(__name__)


def events_location(env: Mapping[str, str] = os.environ) -> str:
    return location(env.get("EVENTS_DB_URL") or f"sqlite:///{VAR_DIR / 'events.db'}")


@dataclass(frozen=True)
class LoadRun:
    relayed: int | None  # None: no RabbitMQ
    loaded: Loaded
    forgotten: int  # questions whose text went
    gone: int  # events deleted

    def summary(self) -> str:
        relayed = "" if self.relayed is None else f"{self.relayed} events moved from RabbitMQ; "
        return (
            f"{relayed}{self.loaded.events} events: {self.loaded.questions} questions, {self.loaded.tickets} "
            f"tickets; text of {self.forgotten} older questions and {self.gone} older events forgotten"
        )


def load_once(store: InsightsStore, settings: InsightsSettings, env: Mapping[str, str] = os.environ) -> LoadRun:
    """One load. RelayError when RabbitMQ cannot be read (nothing is loaded then, and nothing lost);
    AmqpUrlError (a ValueError) when EVENTS_AMQP_URL is malformed."""
    events, amqp = sql.open_database(events_location(env)), amqp_url(env)
    relayed = relay(amqp, events) if amqp else None
    loaded = store.load(events)
    before = time.time() - settings.retention_days * DAY
    return LoadRun(relayed, loaded, store.forget_text(before), forget_events(events, before, loaded.last_event))


def loading_job(store: InsightsStore, settings: InsightsSettings, env: Mapping[str, str]) -> Periodic | None:
    """The back office's load every ASKIT_INSIGHTS_LOAD_SECONDS, or None when it is unset or blank;
    ConfigurationError, naming the setting, when it is not a positive number of seconds."""
    value = env.get(LOAD_SECONDS_SETTING, "").strip()
    if not value:
        return None
    try:
        every = float(value)
    except ValueError:
        every = 0.0
    if not every > 0 or every == float("inf"):
        raise ConfigurationError(f"{LOAD_SECONDS_SETTING} must be a positive number of seconds, not {value!r}")
    amqp_url(env)  # a malformed EVENTS_AMQP_URL stops the start, not each load

    def step() -> None:
        run = load_once(store, settings, env)
        if run.loaded.events or run.gone:
            logger.info("insights: %s", run.summary())

    return Periodic("insights loader", step, every)
