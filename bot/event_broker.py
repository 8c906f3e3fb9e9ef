"""The event broker, as AskIT runs it (Rasa server environment): every tracker event goes to the
insights loader, with typed secrets taken out of user messages as the tracker store takes them out
(bot/tracker_store.py).

- By default Rasa's SQL event broker writes each event to a table ``events`` (id, sender_id, data)
  that the loader reads in id order (bot/insights/events.py). A database error is logged instead
  of failing the turn: the conversation itself is in the tracker store, and only the figures miss
  the event.
- With EVENTS_AMQP_URL set (bot/amqp_url.py), Rasa's RabbitMQ broker publishes each event to the
  durable queue ``askit_insights``, and the loader moves them into that table before it loads
  (bot/insights/relay.py). While RabbitMQ is away, Rasa keeps what it could not publish and sends
  it when it reconnects.

endpoints.yml:  event_broker: {type: bot.event_broker.SQLOrRabbitMQ, url: <SQLAlchemy URL>}

Rasa makes a custom broker by calling ``from_endpoint_config`` on the class endpoints.yml names
(rasa/core/brokers/broker.py); ``SQLOrRabbitMQ`` hands back one of the two brokers below.
"""

from __future__ import annotations

import json
import logging
import os
from asyncio import AbstractEventLoop
from typing import Any
from urllib.parse import quote

import sqlalchemy
import sqlalchemy.orm
from rasa.core.brokers.broker import EventBroker
from rasa.core.brokers.pika import PikaEventBroker
from rasa.core.brokers.sql import SQLEventBroker
from rasa.utils.endpoints import EndpointConfig

from bot.amqp_url import EXCHANGE, QUEUE, amqp_url
from bot.redaction import redacted_event
from bot.tracker_store import schema_lock, sqlite_engine

logger = logging.getLogger(__name__)


class SafeSQLEventBroker(SQLEventBroker):
    def __init__(self, url: str) -> None:  # Rasa's takes dialect, host, port, ...: one URL is simpler
        self.engine = sqlite_engine(url) if url.startswith("sqlite") else sqlalchemy.create_engine(url)
        with schema_lock(url):
            self.Base.metadata.create_all(self.engine)
        self.sessionmaker = sqlalchemy.orm.sessionmaker(bind=self.engine)

    @classmethod
    async def from_endpoint_config(
        cls, broker_config: EndpointConfig, event_loop: AbstractEventLoop | None = None
    ) -> SafeSQLEventBroker:
        if not broker_config.url:
            raise ValueError("endpoints.yml: event_broker.url must be a SQLAlchemy URL (EVENTS_DB_URL)")
        return cls(broker_config.url)

    def publish(self, event: dict[str, Any]) -> None:
        self.publish_batch([event])

    def publish_batch(self, events: list[dict[str, Any]]) -> None:
        """Write ``events`` in one transaction, in order (a turn's events: the tracker store's save)."""
        if not events:
            return
        try:  # one INSERT for them all: the ORM's unit of work cost more than the statement
            rows = [{"sender_id": e.get("sender_id"), "data": json.dumps(e)} for e in map(redacted_event, events)]
            with self.session_scope() as session:
                session.execute(sqlalchemy.insert(self.SQLBrokerEvent.__table__), rows)
                session.commit()
        except (sqlalchemy.exc.SQLAlchemyError, ValueError) as exc:
            logger.error("event not written for insights: %s (%d in the batch)", type(exc).__name__, len(events))


class _WithoutWhatWasSaid(logging.Filter):
    """Rasa's RabbitMQ broker logs each event it could not publish (``pika.events.publish.failed``)
    with what the member of staff typed: during an outage, every message. Its JSON line (the servers
    log to files) keeps only which event it was; a line in another shape is left as it is."""

    KEPT = ("sender_id", "event", "timestamp", "name")

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and '"rasa_event"' in record.msg:
            try:
                line = json.loads(record.msg)
            except ValueError:
                return True
            event = line.get("rasa_event") if isinstance(line, dict) else None
            if isinstance(event, dict):
                line["rasa_event"] = {key: event[key] for key in self.KEPT if key in event}
                record.msg, record.args = json.dumps(line), ()
        return True


WITHOUT_WHAT_WAS_SAID = _WithoutWhatWasSaid()


class SafePikaEventBroker(PikaEventBroker):
    """Rasa's RabbitMQ broker, taking typed secrets out of each event before it is published, and
    what staff typed out of its log lines."""

    def publish(self, event: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        super().publish(redacted_event(event), headers)


# Tried at start-up before the Rasa server gives up with "Cannot connect to event broker": a few
# seconds, not Rasa's 20 tries 5 s apart, so a wrong address is reported while the operator waits.
CONNECTION_ATTEMPTS, RETRY_DELAY = 3, 2.0


class SQLOrRabbitMQ:
    @classmethod
    async def from_endpoint_config(
        cls, broker_config: EndpointConfig, event_loop: AbstractEventLoop | None = None
    ) -> EventBroker:
        """Rasa's RabbitMQ broker on EVENTS_AMQP_URL when it is set, else its SQL broker on the url
        endpoints.yml gives (EVENTS_DB_URL)."""
        amqp = amqp_url(os.environ)
        if amqp is None:
            return await SafeSQLEventBroker.from_endpoint_config(broker_config, event_loop)
        broker = SafePikaEventBroker(
            amqp.address(),  # Rasa logs it: the credentials go apart, and it puts them in the URL itself
            quote(amqp.username, safe=""),
            quote(amqp.password.reveal(), safe=""),
            port=amqp.port,
            queues=[QUEUE],
            exchange_name=EXCHANGE,
            event_loop=event_loop,
            connection_attempts=CONNECTION_ATTEMPTS,
            retry_delay_in_seconds=RETRY_DELAY,
        )
        logging.getLogger("rasa.core.brokers.pika").addFilter(WITHOUT_WHAT_WAS_SAID)  # once: the same object
        await broker.connect()
        logger.info("event broker: RabbitMQ at %s, queue %s", amqp.address(), QUEUE)
        return broker
