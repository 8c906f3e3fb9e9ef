"""Everything durable about known incidents, in the back office's SQL database (bot/sql.py: SQLite
by default, PostgreSQL when configured): the incidents, who is affected, who is subscribed and
every change to tell them of. Each change is one transaction and a conditional UPDATE, so of two
callers at the same moment (two agents resolving, two pollers) exactly one wins and the other is
told why (bot/incidents/errors.py). An update names the version it read (optimistic locking).

The time is always passed in (``now``, seconds since the epoch): the store never reads a clock.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from bot import sql
from bot.identity import load_tenants
from bot.incidents.errors import IncidentResolved, InvalidIncident, StaleVersion
from bot.incidents.models import (
    FEEDS,
    RESOLVED,
    SOURCES,
    Affected,
    Incident,
    IncidentFields,
    Source,
    Status,
    StatusChange,
    Subscription,
)
from bot.incidents.tables import (
    EDITABLE,
    affected_from_row,
    change_from_row,
    change_incident,
    columns,
    incident_from_row,
    read_active,
    read_incident,
    record_change,
    subscription_from_row,
)
from bot.incidents.validation import MAX_SUMMARY, MAX_TITLE, checked, next_update, one_line, optional, status, text
from bot.paths import TENANTS_CONFIG
from bot.requester import Requester
from bot.sql import one

MIGRATIONS = Path(__file__).with_name("migrations")
RESOLVED_TEXT = "This incident is resolved."  # what subscribers are told when a resolution says nothing
ACTIVE = f"status <> '{RESOLVED}'"
ATTEMPTS = 2  # a feed's record may change between our read and our write: read it once more


class IncidentStore:
    """The one way in: the CLI, the console, the feeds and the conversation all go through it.
    ``councils``: the tenant ids an incident may name (tenants.yml)."""

    def __init__(self, db: sql.Database, councils: Collection[str]) -> None:
        self.db, self.councils = db, frozenset(councils)
        sql.migrate(db, MIGRATIONS)

    @classmethod
    def open(cls, location: str | Path, tenants_file: Path = TENANTS_CONFIG) -> IncidentStore:
        """A SQLite path or a ``postgresql://`` URL; its tables are created or brought up to date."""
        return cls(sql.open_database(location), load_tenants(tenants_file).ids)

    # -- reading ---------------------------------------------------------------------------------

    def get(self, incident_id: str) -> Incident:
        with self.db.transaction() as tx:
            return read_incident(tx, incident_id)

    def active(self, council: str | None) -> list[Incident]:
        """The incidents not resolved that concern staff of ``council`` (None: of no known council,
        so only those of every council), oldest first."""
        return [i for i in self.listed(resolved=False) if i.concerns(council)]

    def listed(self, council: str | None = None, resolved: bool = False) -> list[Incident]:
        """Every incident (``council``: naming it or every council), resolved ones too with ``resolved``."""
        with self.db.transaction() as tx:
            rows = tx.execute(
                f"SELECT * FROM incidents {'' if resolved else 'WHERE ' + ACTIVE} ORDER BY started_at, id"
            ).fetchall()
        found = [incident_from_row(r) for r in rows]
        return found if council is None else [i for i in found if i.concerns(council)]

    def changes_after(self, incident_id: str, version: int) -> list[StatusChange]:
        """The changes made after ``version``, in order: what someone who saw ``version`` has not heard."""
        with self.db.transaction() as tx:
            read_incident(tx, incident_id)
            rows = tx.execute(
                "SELECT * FROM incident_changes WHERE incident_id = ? AND version > ? ORDER BY version",
                (incident_id, version),
            ).fetchall()
        return [change_from_row(r) for r in rows]

    def affected_users(self, incident_id: str) -> list[Affected]:
        return [affected_from_row(r) for r in self._people("incident_affected", incident_id)]

    def subscribers(self, incident_id: str) -> list[Subscription]:
        return [subscription_from_row(r) for r in self._people("incident_subscriptions", incident_id)]

    def _people(self, table: str, incident_id: str) -> list[Any]:
        """The rows of ``table`` (affected or subscribed) for an incident that exists, first first."""
        with self.db.transaction() as tx:
            read_incident(tx, incident_id)
            return tx.execute(
                f"SELECT * FROM {table} WHERE incident_id = ? ORDER BY at, user_key", (incident_id,)
            ).fetchall()

    # -- changes ---------------------------------------------------------------------------------

    def declare(self, fields: IncidentFields, *, source: Source, now: float) -> Incident:
        """A new incident, checked (InvalidIncident names the field), at version 1."""
        if source in FEEDS:
            raise InvalidIncident("source", "a feed's incidents come through upsert_from_feed", source)
        if fields.status == RESOLVED:
            raise InvalidIncident("status", "a new incident cannot be resolved already", fields.status)
        next_update(fields.next_update_at, now)
        with self.db.transaction(immediate=True) as tx:
            incident = self._insert(tx, checked(fields, self.councils), source, None, now)
        if incident is None:  # a new id taken already: 1 in 4 billion
            raise sql.DatabaseError(f"{self.db.name}: cannot declare an incident now, try again")
        return incident

    def update(
        self,
        incident_id: str,
        version: int,
        *,
        now: float,
        status: Status | None = None,
        summary: str | None = None,
        workaround: str | None = None,
        next_update_at: float | None = None,
        text: str | None = None,
    ) -> Incident:
        """Change what is said about an active incident (None: unchanged) and tell subscribers
        ``text`` (default: the summary). ``version`` is the one the caller read: if it has changed
        since, StaleVersion. Nothing different and no text: the incident as it is, no new version."""
        given = _given(status=status, summary=summary, workaround=workaround, next_update_at=next_update_at)
        note = optional(text, lambda v: _text("text", v))
        if given.get("status") == RESOLVED:
            raise InvalidIncident("status", "resolve an incident with resolve, once", RESOLVED)
        next_update(next_update_at, now)
        with self.db.transaction(immediate=True) as tx:
            current = read_active(tx, incident_id)
            if current.version != version:
                raise StaleVersion(current, version)
            wanted = checked(replace(_fields(current), **given), self.councils)
            values = _differences(current, wanted)
            if not values and note is None:
                return current
            changed = change_incident(
                tx, incident_id, values, f"version = ? AND {ACTIVE}", (version,), text=note or wanted.summary, now=now
            )
            if changed is None:  # another change committed after we read
                latest = read_incident(tx, incident_id)
                raise StaleVersion(latest, version) if latest.is_active else IncidentResolved(latest)
            return changed

    def resolve(self, incident_id: str, *, now: float, text: str | None = None) -> Incident:
        """Resolve it, once: of two resolves at once one wins, the other gets IncidentResolved, and
        one change (``text``, or RESOLVED_TEXT) is recorded for subscribers."""
        note = optional(text, lambda v: _text("text", v)) or RESOLVED_TEXT
        with self.db.transaction(immediate=True) as tx:
            changed = change_incident(tx, incident_id, _resolution(now), ACTIVE, (), text=note, now=now)
            if changed is None:
                current = read_incident(tx, incident_id)  # UnknownIncident if there is none
                raise IncidentResolved(current)
            return changed

    def upsert_from_feed(
        self, source: Source, source_id: str, fields: IncidentFields, now: float
    ) -> tuple[Incident, bool]:
        """A feed's incident by its own id: created, or updated where the feed says something new
        since its last poll (True), or left as it is (False, no new version): an agent's own edit
        stands until the feed changes that field. A resolved incident stays resolved."""
        if source not in FEEDS:
            raise InvalidIncident("source", f"must be a feed: {', '.join(FEEDS)}", source)
        source_id = one_line("source_id", source_id, MAX_TITLE)
        wanted = checked(fields, self.councils)
        with self.db.transaction(immediate=True) as tx:
            for _ in range(ATTEMPTS):
                row = one(tx.execute("SELECT * FROM incidents WHERE source = ? AND source_id = ?", (source, source_id)))
                if row is None:
                    created = self._insert(tx, wanted, source, source_id, now)
                    if created is not None:
                        return created, True
                    continue  # another poll created it since we looked: compare with theirs
                current, last = incident_from_row(row), json.loads(row["feed_input"])
                values = {k: v for k, v in _differences(current, wanted).items() if last[k] != v}
                if not current.is_active or not values:
                    return current, False
                text = values.get("summary", current.summary)
                values["feed_input"] = json.dumps(columns(wanted))
                if values.get("status") == RESOLVED:
                    values.update(_resolution(now))
                changed = change_incident(tx, current.id, values, "version = ?", (current.version,), text=text, now=now)
                if changed is not None:
                    return changed, True
        raise sql.DatabaseError(f"{self.db.name}: {source} incident {source_id} keeps changing")

    def _insert(
        self, tx: sql.Transaction, fields: IncidentFields, source: Source, source_id: str | None, now: float
    ) -> Incident | None:
        """The new incident at version 1, or None if its id or its feed's id is taken already."""
        if source not in SOURCES:
            raise InvalidIncident("source", f"must be one of {', '.join(SOURCES)}", source)
        values = columns(fields)
        resolved_at = now if fields.status == RESOLVED else None
        started = fields.started_at if fields.started_at is not None else now
        said = None if source_id is None else json.dumps(values)
        names = ", ".join(EDITABLE)
        row = one(
            tx.execute(
                "INSERT INTO incidents (id, source, source_id, feed_input, started_at, updated_at, resolved_at,"
                f" version, {names}) VALUES (?, ?, ?, ?, ?, ?, ?, 1, {', '.join('?' * len(EDITABLE))})"
                " ON CONFLICT DO NOTHING RETURNING *",
                (f"inc-{uuid.uuid4().hex[:8]}", source, source_id, said, started, now, resolved_at, *values.values()),
            )
        )
        if row is None:
            return None
        incident = incident_from_row(row)
        record_change(tx, incident, incident.summary, now)
        return incident

    # -- staff -----------------------------------------------------------------------------------

    def affected(self, incident_id: str, person: Requester, channel: str, now: float) -> tuple[int, bool]:
        """Someone pressed "I'm affected too": (how many are, whether this press added them). Pressing again, or
        from another channel, counts once. A resolved incident takes no more (IncidentResolved)."""
        with self.db.transaction(immediate=True) as tx:
            read_active(tx, incident_id)
            added = one(
                tx.execute(
                    "INSERT INTO incident_affected (incident_id, user_key, council, channel, at, name, email)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING user_key",
                    (incident_id, person.id, person.tenant, channel, now, person.name, person.email),
                )
            )
            row = one(tx.execute("SELECT COUNT(*) AS n FROM incident_affected WHERE incident_id = ?", (incident_id,)))
            return int(row["n"]), added is not None

    # -- the master ticket -----------------------------------------------------------------------

    def to_note(self, now: float, hold: float, most: int) -> tuple[Incident, list[Affected], int] | None:
        """Affected people not yet named on their incident's master ticket (an incident with a
        ``desk_ref``, resolved or not), up to ``most`` of one incident, held for ``hold`` seconds so
        no other worker takes them: (the incident, them, how many are affected in all), or None."""
        waiting = "noted_at IS NULL AND (noting_until IS NULL OR noting_until < ?)"
        with self.db.transaction(immediate=True) as tx:
            row = one(
                tx.execute(
                    f"SELECT a.incident_id FROM incident_affected a JOIN incidents i ON i.id = a.incident_id"
                    f" WHERE i.desk_ref IS NOT NULL AND {waiting} ORDER BY a.at LIMIT 1",
                    (now,),
                )
            )
            if row is None:
                return None
            incident = read_incident(tx, row["incident_id"])
            rows = tx.execute(
                f"UPDATE incident_affected SET noting_until = ? WHERE incident_id = ? AND {waiting} AND user_key IN"
                f" (SELECT user_key FROM incident_affected WHERE incident_id = ? AND {waiting} ORDER BY at LIMIT ?)"
                " RETURNING *",
                (now + hold, incident.id, now, incident.id, now, most),
            ).fetchall()
            total = one(tx.execute("SELECT COUNT(*) AS n FROM incident_affected WHERE incident_id = ?", (incident.id,)))
        people = sorted((affected_from_row(r) for r in rows), key=lambda a: (a.at, a.user_key))
        return incident, people, int(total["n"])

    def noted(self, incident_id: str, people: Collection[Affected], now: float) -> None:
        """The master ticket's comment naming ``people`` is written."""
        self._mark_affected(incident_id, people, "noted_at = ?, noting_until = NULL", now)

    def note_later(self, incident_id: str, people: Collection[Affected], at: float) -> None:
        """The desk could not take the comment: try ``people`` again from ``at``."""
        self._mark_affected(incident_id, people, "noting_until = ?", at)

    def _mark_affected(self, incident_id: str, people: Collection[Affected], sets: str, value: float) -> None:
        with self.db.transaction() as tx:
            for person in people:
                tx.execute(
                    f"UPDATE incident_affected SET {sets} WHERE incident_id = ? AND user_key = ?",
                    (value, incident_id, person.user_key),
                )

    def subscribe(
        self,
        incident_id: str,
        user_key: str,
        *,
        channel: str,
        conversation: str,
        reference: Mapping[str, Any],
        now: float,
    ) -> tuple[Subscription, bool]:
        """Someone pressed "Tell me when it's fixed": (the subscription, True), or (their first one, False): once
        per user. ``reference`` is what ``channel`` needs to reach them later."""
        with self.db.transaction(immediate=True) as tx:
            current = read_active(tx, incident_id)
            row = one(
                tx.execute(
                    "INSERT INTO incident_subscriptions (incident_id, user_key, channel, conversation, reference,"
                    " version, at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING *",
                    (incident_id, user_key, channel, conversation, json.dumps(dict(reference)), current.version, now),
                )
            )
            if row is not None:
                return subscription_from_row(row), True
            row = one(
                tx.execute(
                    "SELECT * FROM incident_subscriptions WHERE incident_id = ? AND user_key = ?",
                    (incident_id, user_key),
                )
            )
            return subscription_from_row(row), False

    # -- telling subscribers ---------------------------------------------------------------------

    def due_pushes(self, channels: Collection[str], now: float, hold: float, most: int) -> list[Subscription]:
        """Subscriptions on ``channels`` with news (their incident moved on since they were told)
        that nobody is pushing now, held for ``hold`` seconds: the notifier asks their chat to tell them."""
        if not channels:
            return []
        marks = ", ".join("?" * len(channels))
        behind = (
            f"s.channel IN ({marks}) AND s.push_after <= ?"
            " AND s.version < (SELECT version FROM incidents i WHERE i.id = s.incident_id)"
        )
        with self.db.transaction(immediate=True) as tx:
            keys = tx.execute(
                f"SELECT s.incident_id, s.user_key FROM incident_subscriptions s WHERE {behind} ORDER BY s.at LIMIT ?",
                (*channels, now, most),
            ).fetchall()
            held = [
                one(
                    tx.execute(
                        "UPDATE incident_subscriptions SET push_after = ? WHERE incident_id = ? AND user_key = ?"
                        " AND push_after <= ? RETURNING *",
                        (now + hold, key["incident_id"], key["user_key"], now),
                    )
                )
                for key in keys
            ]
        return [subscription_from_row(row) for row in held if row is not None]

    def take_news(self, conversation: str) -> list[tuple[Incident, list[StatusChange]]]:
        """What the subscriptions of ``conversation`` have not been told (each incident, its changes
        since), marked as told: of two callers at once (a push and the user's next message) one gets
        it. Reads only, unless there is news: it runs on every question."""
        behind = "conversation = ? AND version < (SELECT version FROM incidents i WHERE i.id = incident_id)"
        with self.db.transaction() as tx:
            anything = one(
                tx.execute(f"SELECT 1 AS x FROM incident_subscriptions WHERE {behind} LIMIT 1", (conversation,))
            )
        if anything is None:
            return []
        news = []
        with self.db.transaction(immediate=True) as tx:
            for row in tx.execute(f"SELECT * FROM incident_subscriptions WHERE {behind}", (conversation,)).fetchall():
                incident = read_incident(tx, row["incident_id"])
                taken = tx.execute(
                    "UPDATE incident_subscriptions SET version = ?"
                    " WHERE incident_id = ? AND user_key = ? AND version = ?",
                    (incident.version, incident.id, row["user_key"], row["version"]),
                )
                if taken.rowcount == 1:
                    changes = tx.execute(
                        "SELECT * FROM incident_changes WHERE incident_id = ? AND version > ? ORDER BY version",
                        (incident.id, row["version"]),
                    ).fetchall()
                    news.append((incident, [change_from_row(c) for c in changes]))
        return news


def _text(field: str, value: str) -> str:
    return text(field, value, MAX_SUMMARY)


def _given(**values: Any) -> dict[str, Any]:
    given = {name: value for name, value in values.items() if value is not None}
    if not given:
        raise InvalidIncident("update", "changes nothing: give a status, summary, workaround or next update")
    if "status" in given:
        given["status"] = status(given["status"])
    return given


def _fields(incident: Incident) -> IncidentFields:
    return IncidentFields(**{name: getattr(incident, name) for name in EDITABLE})


def _differences(current: Incident, wanted: IncidentFields) -> dict[str, Any]:
    before = columns(current)
    return {name: value for name, value in columns(wanted).items() if value != before[name]}


def _resolution(now: float) -> dict[str, Any]:
    return {"status": RESOLVED, "resolved_at": now, "next_update_at": None}
