"""Known incidents' titles for the views of their figures: the events carry only an incident's id,
its record (bot/incidents/store.py, in the same database) has the title. The figures themselves
come from the insights store alone."""

from __future__ import annotations

import logging

from bot import sql
from bot.incidents.errors import IncidentError
from bot.incidents.store import IncidentStore

logger = logging.getLogger(__name__)


def incident_titles(incidents: IncidentStore) -> dict[str, str]:
    """Each incident's title by its id, resolved ones too; none when the records cannot be read
    (the views then name each incident by its id)."""
    try:
        return {incident.id: incident.title for incident in incidents.listed(resolved=True)}
    except (IncidentError, sql.DatabaseError) as exc:
        logger.error("known incidents' titles unreadable: %s", type(exc).__name__)
        return {}
