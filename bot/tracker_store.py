"""Rasa's SQL tracker store, made safe for what reaches it (Rasa server environment).

Rasa's own ``SQLTrackerStore`` treats every ``ValueError`` inside a database session as "the
PostgreSQL schema is missing" and exits the whole server: one sender id with a lone surrogate (or a
NUL on PostgreSQL) stopped AskIT. Here such an error fails that one save or load, which Rasa's
fail-safe wrapper logs and survives, and a user's typed secrets are taken out of their messages
before they are written, whichever way a message arrived (a channel, or Rasa's HTTP API).

The latest session's events are read, and counted, with one plain statement: the query Rasa builds
with SQLAlchemy's ORM for each load and save cost 1.8 ms to build against 0.1 ms to run.

A save is one transaction that stores the new events and then hands the same events to the event
broker, in one batch where the broker takes one (bot/event_broker.py). Rasa's own save first loads
the whole stored conversation again to work out which events are new, then writes each of them to
the broker in a transaction of its own: with a SQLite file that was most of a turn (issue 15,
docs/benchmarks.md). A SQLite file is opened in WAL mode with ``synchronous=NORMAL``: a commit
survives the process being killed, and only an operating-system crash may lose the last ones.

endpoints.yml:  tracker_store: {type: bot.tracker_store.SafeSQLTrackerStore, url: <SQLAlchemy URL>}
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import json
from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING, Any

import sqlalchemy
from rasa.core.tracker_store import SQLTrackerStore, ensure_schema_exists
from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.utils.common import all_subclasses

from bot.redaction import redacted_event
from bot.sql import SCHEMA_LOCK

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


class TrackerStoreError(RuntimeError):
    """A conversation could not be loaded or saved; the message names the cause, never its content."""


# The latest conversation session's events of one sender, as Rasa's ``_event_query`` selects them.
LATEST_SESSION = """FROM events, (SELECT max(timestamp) AS start FROM events
    WHERE sender_id = :sender AND type_name = :started) AS latest
    WHERE events.sender_id = :sender AND (events.timestamp >= latest.start OR latest.start IS NULL)"""
COUNT_LATEST = sqlalchemy.text(f"SELECT count(*) {LATEST_SESSION}")
EVENTS_LATEST = sqlalchemy.text(f"SELECT events.data {LATEST_SESSION} ORDER BY events.id")


@contextlib.contextmanager
def schema_lock(url: object) -> Iterator[None]:
    """On PostgreSQL, hold the advisory lock every AskIT schema change takes (bot/sql.py) while
    Rasa creates its tables: replicas starting together each ran CREATE TABLE, and PostgreSQL let
    both try (the second died on a unique violation). Other databases: nothing to hold."""
    if not isinstance(url, str) or not url.startswith(("postgresql", "postgres://")):
        yield
        return
    engine = sqlalchemy.create_engine(url, poolclass=sqlalchemy.pool.NullPool)
    try:
        with engine.connect() as connection:
            connection.execute(sqlalchemy.text("SELECT pg_advisory_lock(:key)"), {"key": SCHEMA_LOCK})
            try:
                yield
            finally:
                connection.execute(sqlalchemy.text("SELECT pg_advisory_unlock(:key)"), {"key": SCHEMA_LOCK})
    finally:
        engine.dispose()


def sqlite_engine(url: str | sqlalchemy.engine.URL) -> sqlalchemy.engine.Engine:
    """An engine for a SQLite file that keeps its connections (SQLAlchemy 1.4 opens a new one per
    session) and opens each in WAL mode with ``synchronous=NORMAL``: no fsync per commit, and
    readers never wait for a writer."""
    engine = sqlalchemy.create_engine(
        url, poolclass=sqlalchemy.pool.QueuePool, connect_args={"check_same_thread": False}
    )

    @sqlalchemy.event.listens_for(engine, "connect")
    def _pragmas(connection: Any, _record: Any) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return engine


@functools.cache
def event_types() -> dict[str, type[Event]]:
    """Rasa's event classes by type name, first match first as ``Event.resolve_by_type`` takes them:
    that walks every subclass of ``Event`` (with an ``inspect.isabstract`` each) for every event it
    reads, which was a tenth of a turn's CPU under load (docs/benchmarks.md, issue 15)."""
    types: dict[str, type[Event]] = {}
    for cls in all_subclasses(Event):
        types.setdefault(cls.type_name, cls)
    return types


def events_from(stored: list[dict[str, Any]]) -> list[Event]:
    """Stored events (``Event.as_dict()``) read back as Rasa's ``deserialise_events`` reads them,
    skipping what it skips (no type; a type it reads as nothing, such as the old "topic")."""
    events = []
    for data in stored:
        cls = event_types().get(data.get("event", ""))
        event = cls._from_parameters(data) if cls is not None else Event.from_parameters(data)
        if event is not None:
            events.append(event)
    return events


class SafeSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        with schema_lock(kwargs.get("host")):  # endpoints.yml's url reaches Rasa's store as ``host``
            super().__init__(*args, **kwargs)
        rasas: sqlalchemy.engine.Engine = self.engine  # type: ignore[has-type]  # set, unannotated, by Rasa
        if rasas.dialect.name == "sqlite":
            rasas.dispose()
            self.engine = sqlite_engine(rasas.url)
            self.sessionmaker = sqlalchemy.orm.sessionmaker(bind=self.engine)

    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool) -> DialogueStateTracker | None:
        if fetch_events_from_all_sessions:
            return await super()._retrieve(sender_id, fetch_events_from_all_sessions)
        with self.session_scope() as session:
            rows = session.execute(EVENTS_LATEST, {"sender": sender_id, "started": SessionStarted.type_name}).all()
        if self.domain is None or not rows:
            return None
        return DialogueStateTracker.from_events(
            sender_id, events_from([json.loads(row.data) for row in rows]), self.domain.slots
        )

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the events not stored yet, then stream exactly those to the event broker."""
        with self.session_scope() as session:
            latest = {"sender": tracker.sender_id, "started": SessionStarted.type_name}
            stored = session.execute(COUNT_LATEST, latest).scalar_one()
            new = [redacted_event(event.as_dict()) for event in itertools.islice(tracker.events, stored, None)]
            if new:  # one INSERT for them all: the ORM's unit of work cost more than the statement
                rows = [
                    {
                        "sender_id": tracker.sender_id,
                        "type_name": data["event"],
                        "timestamp": data.get("timestamp"),
                        "intent_name": data.get("parse_data", {}).get("intent", {}).get("name"),
                        "action_name": data.get("name"),
                        "data": json.dumps(data),
                    }
                    for data in new
                ]
                session.execute(sqlalchemy.insert(self.SQLEvent.__table__), rows)
            session.commit()
        if self.event_broker is not None and new:
            bodies = [{"sender_id": tracker.sender_id, **data} for data in new]
            publish_batch = getattr(self.event_broker, "publish_batch", None)
            if publish_batch is not None:
                publish_batch(bodies)
            else:
                for body in bodies:
                    self.event_broker.publish(body)

    @contextlib.contextmanager
    def session_scope(self) -> Generator[Session, None, None]:
        session = self.sessionmaker()
        try:
            try:
                ensure_schema_exists(session)
            except ValueError as exc:
                raise TrackerStoreError(f"PostgreSQL schema '{exc}' was not found in the database") from None
            try:
                yield session
            except ValueError as exc:  # unencodable text, a NUL on PostgreSQL, ...
                raise TrackerStoreError(f"the database refused a conversation's data: {type(exc).__name__}") from None
        finally:
            session.close()
