"""ServiceNow's major incidents (Major Incident Management), through the Table API with the
ServiceNow adapter's own settings and client (bot/servicedesk/servicenow.py): the active incidents
whose ``major_incident_state`` is ``accepted``, read without display values (times in UTC, states
by number) and with the names of their business service and configuration item.

An incident's title is its short description, its summary its description (else the short
description), its desk reference its number; Resolved, Closed and Canceled are resolved, every
other state (New, In Progress, On Hold, or one of the instance's own) is investigating: the
instance's states do not say whether the cause is known.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.incidents.feeds.base import (
    Feed,
    FeedIncident,
    Listing,
    identifier,
    moment,
    optional_text,
    read_entries,
    required_text,
    service_names,
    summary_of,
    title_of,
)
from bot.incidents.models import Status
from bot.servicedesk.errors import BadResponse, ConfigError
from bot.servicedesk.http import field
from bot.servicedesk.servicenow import TABLE, ServiceNowDesk

MAJOR_INCIDENTS = "major_incident_state=accepted^active=true"
FIELDS = "number,short_description,description,state,opened_at,business_service.name,cmdb_ci.name"
MOST = 200  # major incidents read in one poll: more than any desk has at once
RESOLVED_STATES = frozenset({"6", "7", "8"})  # Resolved, Closed, Canceled


class ServiceNowMajorIncidents(Feed):
    source = "desk"

    @classmethod
    def from_env(cls, name: str, env: Mapping[str, str]) -> ServiceNowMajorIncidents:
        """With the ServiceNow adapter's settings (ASKIT_SERVICENOW_*): ConfigError names a bad one."""
        return cls(name, ServiceNowDesk.from_env(env).client)

    def fetch(self) -> Listing:
        params = {
            "sysparm_query": MAJOR_INCIDENTS,
            "sysparm_fields": FIELDS,
            "sysparm_limit": str(MOST),
            "sysparm_display_value": "false",
            "sysparm_exclude_reference_link": "true",
        }
        return listing(self.client.call("GET", TABLE, params=params, missing=ConfigError))


def listing(body: Any) -> Listing:
    """What the Table API's answer says; BadResponse when it is not one. A full page (``MOST``)
    may have held some back, so it resolves nothing for being absent."""
    if not isinstance(body, dict):
        raise BadResponse("servicenow: the answer is not a JSON object with a result")
    rows = field(body, "result")
    found = read_entries(rows, "servicenow: result", incident, "number")
    return Listing(found.incidents, found.unreadable, complete=len(rows) < MOST)


def incident(row: Any) -> FeedIncident:
    """One major incident, or EntryError naming the field that cannot be read."""
    number, title = identifier(row, "number"), required_text(row, "short_description")
    state = required_text(row, "state")
    status: Status = "resolved" if state in RESOLVED_STATES else "investigating"
    services = [optional_text(row, "business_service.name"), optional_text(row, "cmdb_ci.name")]
    return FeedIncident(
        id=number,
        title=title_of(title),
        summary=summary_of(optional_text(row, "description") or title),
        status=status,
        started_at=moment(required_text(row, "opened_at"), "opened_at"),
        services=service_names(services),
        desk_ref=number,
    )
