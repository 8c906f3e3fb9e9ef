"""A ServiceNow instance on loopback: the Table API for ``incident``, ``sys_user`` and the journal
(``sys_journal_field``: "Additional comments" are element ``comments``, work notes ``work_notes``), with
encoded queries (``a=b^c!=d^ORDERBYDESCfield``, ``^^`` for a literal caret, ``javascript:gs.getUserName()``
for the user the request signs in as) and ServiceNow's error body
``{"error": {"message", "detail"}, "status": "failure"}``. Incidents come with display values (state by
name) when ``sysparm_display_value=true``, else as stored (state as its number); a dot-walked field
(``caller_id.email``, ``business_service.name``) reads the record the reference names. Major
incidents (``add_major_incident``) carry ``major_incident_state``."""

from __future__ import annotations

import base64
import datetime as dt
import itertools
import re
import uuid
from typing import Any

from tests.servicedesk.fakedesk import FakeDesk, Reply, Seen

USER, PASSWORD, TOKEN = "askit.integration", "sn-Pa55word-not-for-logs", "sn-oauth-token-not-for-logs"
TOKEN_USER = "askit.oauth"  # the user the OAuth token belongs to
AGENT = "beth.agent"  # a service-desk analyst
CURRENT_USER = "javascript:gs.getUserName()"
# Journal entries made without an explicit time are this far apart, from CLOCK_START: newest last.
CLOCK_START, CLOCK_STEP = dt.datetime(2026, 11, 22, 10, 0, 0), dt.timedelta(minutes=1)
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"  # sys_created_on without display values: UTC
GROUPS = {"Network", "End User Computing", "network", "end-user-computing", "service-desk", "major-incident"}
STATES = {"1": "New", "2": "In Progress", "3": "On Hold", "6": "Resolved", "7": "Closed", "8": "Canceled"}
INACTIVE = {"6", "7", "8"}  # what active=true leaves out
TABLES = ("/api/now/table/incident", "/api/now/table/sys_user", "/api/now/table/sys_journal_field")


def split_query(query: str) -> list[str]:
    return [term.replace("^^", "^") for term in re.split(r"(?<!\^)\^(?!\^)", query) if term]


class FakeServiceNow(FakeDesk):
    def __init__(self) -> None:
        super().__init__()
        self.users = [
            {
                "sys_id": uuid.uuid4().hex,
                "email": "alice@northbrook.example",
                "name": "Alice Example",
                "user_name": "alice.example",
            },
            {
                "sys_id": uuid.uuid4().hex,
                "email": "o'brien^x@riverside.example",
                "name": "Pat O'Brien",
                "user_name": "pat.o^brien",
            },
        ]
        self.incidents: list[dict[str, Any]] = []
        self.journal: list[dict[str, Any]] = []  # sys_journal_field rows
        self.configuration_items: dict[str, dict[str, str]] = {}  # sys_id -> cmdb_ci row (services too)
        self._numbers = itertools.count(10001)
        self._ticks = itertools.count()

    def error_body(self, status: int) -> Any:
        return {"error": {"message": f"fake {status}", "detail": None}, "status": "failure"}

    def _failure(self, status: int, message: str) -> Reply:
        return Reply(status, {"error": {"message": message, "detail": message}, "status": "failure"})

    def _signed_in(self, request: Seen) -> str | None:
        """The user name the request authenticates as, or None."""
        basic = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        return {basic: USER, f"Bearer {TOKEN}": TOKEN_USER}.get(request.headers.get("authorization", ""))

    def _now(self) -> str:
        return (CLOCK_START + next(self._ticks) * CLOCK_STEP).strftime(TIME_FORMAT)

    def _incident(self, number: str) -> dict[str, Any]:
        return next(i for i in self.incidents if i["number"] == number)

    def add_journal(self, sys_id: str, element: str, text: str, by: str, at: str | None = None) -> dict[str, Any]:
        entry = {
            "sys_id": uuid.uuid4().hex,
            "name": "incident",
            "element_id": sys_id,
            "element": element,
            "value": text,
            "sys_created_by": by,
            "sys_created_on": at or self._now(),
        }
        self.journal.append(entry)
        return entry

    def add_reply(self, number: str, text: str, at: str | None = None, by: str = AGENT) -> dict[str, Any]:
        """An "Additional comments" entry on the incident: by an analyst unless ``by`` says otherwise."""
        return self.add_journal(self._incident(number)["sys_id"], "comments", text, by, at)

    def add_work_note(self, number: str, text: str, at: str | None = None, by: str = AGENT) -> dict[str, Any]:
        """An internal work note on the incident."""
        return self.add_journal(self._incident(number)["sys_id"], "work_notes", text, by, at)

    def add_incident(self, caller_email: str, summary: str, state: str = "1", correlation_id: str = "") -> Any:
        caller = next(u for u in self.users if u["email"] == caller_email)
        incident = {
            "sys_id": uuid.uuid4().hex,
            "number": f"INC{next(self._numbers):07d}",
            "short_description": summary,
            "state": state,
            "caller_id": caller["sys_id"],
            "correlation_id": correlation_id,
            "sys_updated_on": "2026-11-22 09:30:00",
            "comments": [],
        }
        self.incidents.append(incident)
        return incident

    def configuration_item(self, name: str) -> str:
        """The sys_id of the configuration item (or business service) called ``name``, made if new."""
        found = next((k for k, ci in self.configuration_items.items() if ci["name"] == name), None)
        if found is None:
            found = uuid.uuid4().hex
            self.configuration_items[found] = {"sys_id": found, "name": name}
        return found

    def add_major_incident(
        self,
        summary: str,
        description: str = "",
        *,
        service: str = "",
        ci: str = "",
        state: str = "2",
        opened_at: str = "2026-11-30 08:15:00",
        major_state: str = "accepted",
    ) -> dict[str, Any]:
        """An incident in the major incident life cycle (``major_state``: proposed, accepted, rejected,
        canceled), affecting ``service`` (business_service) and ``ci`` (cmdb_ci) by name."""
        incident = {
            "sys_id": uuid.uuid4().hex,
            "number": f"INC{next(self._numbers):07d}",
            "short_description": summary,
            "description": description,
            "state": state,
            "caller_id": "",
            "opened_at": opened_at,
            "business_service": self.configuration_item(service) if service else "",
            "cmdb_ci": self.configuration_item(ci) if ci else "",
            "major_incident_state": major_state,
            "sys_updated_on": opened_at,
            "comments": [],
        }
        self.incidents.append(incident)
        return incident

    def handle(self, request: Seen) -> Reply:
        user = self._signed_in(request)
        if user is None:
            return self._failure(401, "User Not Authenticated")
        with self.lock:
            if request.method == "GET" and request.path in TABLES:
                return self._query(request, user)
            if request.method == "POST" and request.path == "/api/now/table/incident":
                return self._create(request)
            match = re.fullmatch(r"/api/now/table/incident/(\w+)", request.path)
            if request.method == "PATCH" and match:
                return self._comment(match.group(1), request, user)
        return self._failure(400, f"Invalid path {request.path}")

    def _display(self, incident: dict[str, Any], display: bool = True) -> dict[str, Any]:
        caller = next((u for u in self.users if u["sys_id"] == incident["caller_id"]), {})
        dotted = {f"caller_id.{name}": caller.get(name, "") for name in ("email", "user_name")}
        for reference in ("business_service", "cmdb_ci"):
            dotted[f"{reference}.name"] = self.configuration_items.get(incident.get(reference, ""), {}).get("name", "")
        state = STATES[incident["state"]] if display else incident["state"]
        return {**incident, "state": state, "active": "false" if incident["state"] in INACTIVE else "true", **dotted}

    def _query(self, request: Seen, user: str) -> Reply:
        if request.path.endswith("sys_journal_field"):
            rows = list(self.journal)
        else:
            display = request.query.get("sysparm_display_value") == "true"
            incidents = [self._display(i, display) for i in self.incidents]
            rows = self.users if request.path.endswith("sys_user") else incidents
        for term in split_query(request.query.get("sysparm_query", "")):
            if term.startswith("ORDERBYDESC"):
                rows = sorted(rows, key=lambda r: r[term[len("ORDERBYDESC") :]], reverse=True)
            else:
                name, operator, value = re.split(r"(!?=)", term, maxsplit=1)
                value = user if value == CURRENT_USER else value
                rows = [r for r in rows if (str(r.get(name, "")) == value) == (operator == "=")]
        fields = request.query.get("sysparm_fields", "").split(",")
        limit = int(request.query.get("sysparm_limit", "10000"))
        return Reply(200, {"result": [{f: r.get(f, "") for f in fields} for r in rows[:limit]]})

    def _create(self, request: Seen) -> Reply:
        if not request.headers.get("content-type", "").startswith("application/json"):
            return self._failure(400, "Content-Type must be application/json")
        body = request.json()
        for name in ("short_description", "description", "correlation_id"):
            if not body.get(name):
                return self._failure(400, f"missing {name}")
        if body.get("impact") not in ("1", "2", "3") or body.get("urgency") not in ("1", "2", "3"):
            return self._failure(400, "impact and urgency must be 1, 2 or 3")
        if request.query.get("sysparm_input_display_value") != "true" or body.get("assignment_group") not in GROUPS:
            return self._failure(400, f"Invalid assignment group {body.get('assignment_group')!r}")
        if "caller_id" in body and not any(u["sys_id"] == body["caller_id"] for u in self.users):
            return self._failure(400, "Invalid caller_id")
        incident = {
            **body,
            "sys_id": uuid.uuid4().hex,
            "number": f"INC{next(self._numbers):07d}",
            "state": "1",
            "sys_updated_on": "2026-11-22 10:00:00",
            "comments": [],
            "caller_id": body.get("caller_id", ""),
        }
        self.incidents.append(incident)
        return Reply(201, {"result": self._display(incident)})

    def _comment(self, sys_id: str, request: Seen, user: str) -> Reply:
        incident = next((i for i in self.incidents if i["sys_id"] == sys_id), None)
        if incident is None:
            return self._failure(404, "No Record found")
        comment = request.json().get("comments")
        if not comment:
            return self._failure(400, "missing comments")
        incident["comments"].append(comment)
        self.add_journal(sys_id, "comments", comment, user)  # written by whoever signed in
        return Reply(200, {"result": self._display(incident)})
