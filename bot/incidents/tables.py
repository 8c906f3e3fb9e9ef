"""The incident tables' rows in one place: read into the values of bot/incidents/models.py, an
incident's editable fields as columns, and the one conditional UPDATE every change goes through."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from bot import sql
from bot.incidents.errors import IncidentResolved, UnknownIncident
from bot.incidents.models import Affected, Incident, IncidentFields, StatusChange, Subscription
from bot.sql import one

# What a person or a feed may change; tuples are stored as JSON lists.
EDITABLE = (
    "title",
    "summary",
    "questions",
    "services",
    "councils",
    "status",
    "workaround",
    "next_update_at",
    "desk_ref",
)
LISTS = ("questions", "services", "councils")


def columns(value: Incident | IncidentFields) -> dict[str, Any]:
    """The editable fields of ``value`` as their columns hold them (compare two to see a change)."""
    return {
        name: json.dumps(list(getattr(value, name))) if name in LISTS else getattr(value, name) for name in EDITABLE
    }


def read_incident(tx: sql.Transaction, incident_id: str) -> Incident:
    row = one(tx.execute("SELECT * FROM incidents WHERE id = ?", (incident_id,)))
    if row is None:
        raise UnknownIncident(incident_id)
    return incident_from_row(row)


def read_active(tx: sql.Transaction, incident_id: str) -> Incident:
    """The incident, if it is not resolved (else IncidentResolved)."""
    incident = read_incident(tx, incident_id)
    if not incident.is_active:
        raise IncidentResolved(incident)
    return incident


def change_incident(
    tx: sql.Transaction,
    incident_id: str,
    values: Mapping[str, Any],
    condition: str,
    where: Sequence[Any],
    *,
    text: str,
    now: float,
) -> Incident | None:
    """One conditional UPDATE that makes the next version, and the change subscribers are told of;
    None (and nothing changed) if ``condition`` no longer held."""
    sets = "".join(f"{name} = ?, " for name in values)
    row = one(
        tx.execute(
            f"UPDATE incidents SET {sets}updated_at = ?, version = version + 1"
            f" WHERE id = ? AND {condition} RETURNING *",
            (*values.values(), now, incident_id, *where),
        )
    )
    if row is None:
        return None
    changed = incident_from_row(row)
    record_change(tx, changed, text, now)
    return changed


def record_change(tx: sql.Transaction, incident: Incident, text: str, now: float) -> None:
    tx.execute(
        "INSERT INTO incident_changes (incident_id, version, status, text, at) VALUES (?, ?, ?, ?, ?)",
        (incident.id, incident.version, incident.status, text, now),
    )


def incident_from_row(row: Any) -> Incident:
    fields: dict[str, Any] = {name: row[name] for name in Incident.__dataclass_fields__}  # the columns
    fields.update({name: tuple(json.loads(row[name])) for name in LISTS})
    return Incident(**fields)


def affected_from_row(row: Any) -> Affected:
    return Affected(**{name: row[name] for name in Affected.__dataclass_fields__})


def subscription_from_row(row: Any) -> Subscription:
    fields = {name: row[name] for name in Subscription.__dataclass_fields__ if name != "reference"}
    return Subscription(**fields, reference=json.loads(row["reference"]))


def change_from_row(row: Any) -> StatusChange:
    return StatusChange(**{name: row[name] for name in StatusChange.__dataclass_fields__})
