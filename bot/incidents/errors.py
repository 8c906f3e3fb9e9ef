"""Errors the incident store raises when it refuses something; the CLI and the console show their
one-line messages as they are. A database that fails raises bot.sql.DatabaseError, untouched.

IncidentError
 ├── InvalidIncident    a field is missing or unusable (names the field and what it must be)
 ├── UnknownIncident    no incident with that id
 ├── IncidentResolved   it is resolved already (says when): a second resolve, an update after it
 └── StaleVersion       it changed since the caller read it (names both versions): read it again
"""

from __future__ import annotations

import datetime as dt

from bot.config import NOTHING, line
from bot.incidents.models import Incident


class IncidentError(Exception):
    """Base class of every refusal this package raises."""


class InvalidIncident(IncidentError, ValueError):
    def __init__(self, field: str, problem: str, value: object = NOTHING) -> None:
        super().__init__(line(field, problem, value))
        self.field = field


class UnknownIncident(IncidentError):
    def __init__(self, incident_id: str) -> None:
        super().__init__(f"no incident {incident_id}")
        self.incident_id = incident_id


class IncidentResolved(IncidentError):
    def __init__(self, incident: Incident) -> None:
        super().__init__(f"incident {incident.id} is resolved already ({shown_time(incident.resolved_at or 0)})")
        self.incident = incident


class StaleVersion(IncidentError):
    def __init__(self, incident: Incident, read: int) -> None:
        super().__init__(
            f"incident {incident.id} changed since version {read} was read: it is at version {incident.version}"
            f" ({shown_time(incident.updated_at)}); read it again"
        )
        self.incident, self.read = incident, read


def shown_time(at: float) -> str:
    return dt.datetime.fromtimestamp(at, dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
