"""Rasa's SQL tracker store, made safe for what reaches it (Rasa server environment).

Rasa's own ``SQLTrackerStore`` treats every ``ValueError`` inside a database session as "the
PostgreSQL schema is missing" and exits the whole server: one sender id with a lone surrogate (or a
NUL on PostgreSQL) stopped AskIT. Here such an error fails that one save or load, which Rasa's
fail-safe wrapper logs and survives, and a user's typed secrets are taken out of their messages
before they are written, whichever way a message arrived (a channel, or Rasa's HTTP API).

endpoints.yml:  tracker_store: {type: bot.tracker_store.SafeSQLTrackerStore, url: <SQLAlchemy URL>}
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING, Any

from rasa.core.tracker_store import SQLTrackerStore, ensure_schema_exists
from rasa.shared.core.events import Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.redaction import redact_typed_secrets

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


class TrackerStoreError(RuntimeError):
    """A conversation could not be loaded or saved; the message names the cause, never its content."""


def redacted(event: Event) -> Event:
    """``event`` as it may be stored: a user's message with typed secrets replaced."""
    if not isinstance(event, UserUttered) or not event.text:
        return event
    clean = redact_typed_secrets(event.text)
    if clean == event.text:
        return event
    stored = copy.copy(event)
    stored.text = clean
    stored.parse_data = {**event.parse_data, "text": clean}
    return stored


class SafeSQLTrackerStore(SQLTrackerStore):
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

    def _additional_events(self, session: Session, tracker: DialogueStateTracker) -> Iterator[Any]:
        return (redacted(event) for event in super()._additional_events(session, tracker))
