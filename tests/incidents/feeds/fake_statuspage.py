"""A Statuspage page on loopback: ``GET /api/v2/incidents/unresolved.json`` answers as Atlassian
Statuspage's public API v2 does, ``{"page": {...}, "incidents": [...]}`` with the incidents not
resolved, each with its updates (newest first) and the components it affects. The base class
(tests/servicedesk/fakedesk.py) records every request and plays outages and garbage."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Sequence
from typing import Any

from bot.incidents.feeds.statuspage import UNRESOLVED
from tests.servicedesk.fakedesk import FakeDesk, Reply, Seen

PAGE = {"id": "y2j98763l56x", "name": "Example Suppliers", "url": "https://status.example.com"}
OPENED = "2026-11-30T08:15:00.000Z"
UNRESOLVED_STATUSES = ("investigating", "identified", "monitoring")


class FakeStatuspage(FakeDesk):
    def __init__(self) -> None:
        super().__init__()
        self.incidents: list[dict[str, Any]] = []  # newest first, as the page lists them
        self._ids = (f"p{n:011d}" for n in itertools.count(1))
        self._clock = (f"2026-11-30T{9 + n // 60:02d}:{n % 60:02d}:00.000Z" for n in itertools.count())

    def error_body(self, status: int) -> Any:
        return {"error": f"fake {status}"}

    def open(
        self, name: str, body: str, components: Sequence[str] = (), status: str = "investigating", **extra: Any
    ) -> dict[str, Any]:
        """A new incident with its first update; ``extra`` replaces or adds fields (started_at...)."""
        incident_id = next(self._ids)
        incident = {
            "id": incident_id,
            "name": name,
            "status": status,
            "impact": "major",
            "created_at": OPENED,
            "updated_at": OPENED,
            "monitoring_at": None,
            "resolved_at": None,
            "shortlink": f"https://stspg.io/{incident_id[-5:]}",
            "page_id": PAGE["id"],
            "incident_updates": [],
            "components": [
                {"id": f"c-{c.lower()}", "name": c, "status": "major_outage", "page_id": PAGE["id"]} for c in components
            ],
            **extra,
        }
        self.incidents.insert(0, incident)
        self.post(incident_id, status, body)
        return incident

    def post(self, incident_id: str, status: str, body: str) -> None:
        """An update: the incident's status becomes ``status`` (resolved: off the unresolved list)."""
        with self.lock:
            incident = next(i for i in self.incidents if i["id"] == incident_id)
            at = next(self._clock)
            update = {"id": f"u{at}", "incident_id": incident_id, "status": status, "body": body, "created_at": at}
            incident["incident_updates"].insert(0, update)
            incident.update(status=status, updated_at=at, resolved_at=at if status == "resolved" else None)

    def handle(self, request: Seen) -> Reply:
        if request.method != "GET" or request.path != UNRESOLVED:
            return Reply(404, {"error": "not found"})
        with self.lock:
            listed = copy.deepcopy([i for i in self.incidents if i["status"] in UNRESOLVED_STATUSES])
            return Reply(200, {"page": {**PAGE, "updated_at": OPENED}, "incidents": listed})
