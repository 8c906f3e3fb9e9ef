"""Rasa's SQL event broker, as AskIT runs it (Rasa server environment): every tracker event is
written to a table ``events`` (id, sender_id, data) that the insights loader reads in id order
(bot/insights/events.py), with typed secrets taken out of user messages as the tracker store takes
them out (bot/tracker_store.py), and a database error logged instead of failing the turn: the
conversation itself is in the tracker store, and only the figures miss an event.

endpoints.yml:  event_broker: {type: bot.event_broker.SafeSQLEventBroker, url: <SQLAlchemy URL>}
"""

from __future__ import annotations

import json
import logging
from asyncio import AbstractEventLoop
from typing import Any

import sqlalchemy
import sqlalchemy.orm
from rasa.core.brokers.sql import SQLEventBroker
from rasa.utils.endpoints import EndpointConfig

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
