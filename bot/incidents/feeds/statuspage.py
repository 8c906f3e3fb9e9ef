"""A Statuspage page's unresolved incidents (Atlassian Statuspage's public API v2, and the pages
that copy it): ``GET {page}/api/v2/incidents/unresolved.json`` answers
``{"page": {...}, "incidents": [{"id", "name", "status", "created_at", "started_at"?,
"incident_updates": [{"body", "status", "created_at"}, ...], "components": [{"name"}, ...]}, ...]}``.

An incident's title is its name, its summary the newest update that says something, its services
the components it names; it started when the page says (``started_at``, else ``created_at``).
"""

from __future__ import annotations

from typing import Any

from bot.incidents.feeds.base import (
    EntryError,
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
from bot.servicedesk.http import HttpClient, field

UNRESOLVED = "/api/v2/incidents/unresolved.json"
# The page's words for where an incident stands; "postmortem" comes after "resolved".
STATUSES: dict[str, Status] = {
    "investigating": "investigating",
    "identified": "identified",
    "monitoring": "monitoring",
    "resolved": "resolved",
    "postmortem": "resolved",
}


class StatuspageFeed(Feed):
    source = "statuspage"

    @classmethod
    def at(cls, name: str, url: str, timeout: float) -> StatuspageFeed:
        """The feed of the page at ``url`` (its address, without /api/v2)."""
        return cls(name, HttpClient(f"statuspage {name}", url, timeout=timeout))

    def fetch(self) -> Listing:
        return listing(self.client.call("GET", UNRESOLVED, missing=ConfigError))


def listing(body: Any) -> Listing:
    """What a page's ``unresolved.json`` says; BadResponse when it is not one."""
    if not isinstance(body, dict):
        raise BadResponse("statuspage: the answer is not a JSON object with incidents")
    return read_entries(field(body, "incidents"), "statuspage: incidents", incident, "id")


def incident(entry: Any) -> FeedIncident:
    """One incident of the page, or EntryError naming the field that cannot be read."""
    incident_id, name = identifier(entry, "id"), required_text(entry, "name")
    page_status = required_text(entry, "status")
    if page_status not in STATUSES:
        raise EntryError("status", f"must be one of {', '.join(STATUSES)}, got {page_status[:40]!r}")
    started = optional_text(entry, "started_at")
    since = moment(started, "started_at") if started else moment(required_text(entry, "created_at"), "created_at")
    return FeedIncident(
        id=incident_id,
        title=title_of(name),
        summary=summary_of(_newest_body(entry.get("incident_updates")) or name),
        status=STATUSES[page_status],
        started_at=since,
        services=service_names([_component(c) for c in entry.get("components") or []]),
    )


def _newest_body(updates: Any) -> str:
    """The newest update's text that is not empty (an update may only change a component's status)."""
    if updates is None:
        return ""
    if not isinstance(updates, list):
        raise EntryError("incident_updates", "must be a list")
    said = [u for u in updates if isinstance(u, dict) and optional_text(u, "body")]
    newest = max(said, key=_created, default=None)
    return optional_text(newest, "body") if newest else ""


def _created(update: dict[str, Any]) -> float:
    """When an update was written; one without a readable time sorts last (pages list newest first)."""
    try:
        return moment(required_text(update, "created_at"), "created_at")
    except EntryError:
        return float("-inf")


def _component(value: Any) -> str:
    if not isinstance(value, dict) or not isinstance(value.get("name"), str):
        raise EntryError("components", "must be a list of objects with a name")
    return str(value["name"])
