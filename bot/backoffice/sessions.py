"""Signed-in sessions, kept in the database: the cookie (signed by Starlette's SessionMiddleware)
holds only a random id, so signing out, or an expiry, ends a session for good. A session lasts
8 hours at most and ends after an hour without a request."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.requests import HTTPConnection

from bot.backoffice.roles import Person
from bot.sql import Database

ABSOLUTE_LIFETIME = 8 * 3600.0
IDLE_TIMEOUT = 3600.0
# seen_at is written at most this often: one write a minute per person, not one per request.
TOUCH_EVERY = 60.0
PERSON_KEY = "askit.person"  # in the ASGI scope: who the session middleware found signed in
SID_KEY = "sid"  # in the signed cookie: the session's id


def person_of(connection: HTTPConnection) -> Person | None:
    """Who is signed in, as the server's session record says; None if nobody."""
    person = connection.scope.get(PERSON_KEY)
    return person if isinstance(person, Person) else None


@dataclass
class SessionStore:
    db: Database
    clock: Callable[[], float] = time.time

    def create(self, person: Person) -> str:
        sid = secrets.token_urlsafe(32)
        now = self.clock()
        with self.db.transaction() as tx:
            # Sessions nobody came back to are swept here, the one place sessions are made.
            tx.execute(
                "DELETE FROM backoffice_sessions WHERE created_at < ? OR seen_at < ?",
                (now - ABSOLUTE_LIFETIME, now - IDLE_TIMEOUT),
            )
            tx.execute(
                "INSERT INTO backoffice_sessions (id, person, created_at, seen_at) VALUES (?, ?, ?, ?)",
                (sid, json.dumps(person.to_json()), now, now),
            )
        return sid

    def person(self, sid: str) -> Person | None:
        """Who session ``sid`` belongs to, or None: unknown, ended, too old or idle too long (then ended)."""
        now = self.clock()
        with self.db.transaction() as tx:
            row = tx.execute(
                "SELECT person, created_at, seen_at FROM backoffice_sessions WHERE id = ?", (sid,)
            ).fetchone()
            if row is None:
                return None
            if now - row["created_at"] > ABSOLUTE_LIFETIME or now - row["seen_at"] > IDLE_TIMEOUT:
                tx.execute("DELETE FROM backoffice_sessions WHERE id = ?", (sid,))
                return None
            if now - row["seen_at"] >= TOUCH_EVERY:
                tx.execute("UPDATE backoffice_sessions SET seen_at = ? WHERE id = ?", (now, sid))
        return Person.from_json(json.loads(row["person"]))

    def end(self, sid: str) -> None:
        with self.db.transaction() as tx:
            tx.execute("DELETE FROM backoffice_sessions WHERE id = ?", (sid,))
