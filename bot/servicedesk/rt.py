"""Request Tracker 5, through its REST2 API (``/REST/2.0/``) with an auth token.

Settings (environment):
    ASKIT_RT_URL        RT's web address, e.g. https://rt.council.example
    ASKIT_RT_TOKEN      an auth token of the AskIT user (RT: Logged in as > Settings > Auth Tokens)
    ASKIT_RT_QUEUES     optional JSON: AskIT resolver group -> queue name (default: a queue named as the group)

``deploy/request-tracker/askit-initialdata`` creates the queues, the user and its rights, and the
"AskIT Correlation ID" custom field that holds each ticket's correlation id, which is how a retried
delivery finds the ticket it already made. References are shown as ``RT-<number>``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bot.config import TOKEN, URL, Setting
from bot.secret import Secret
from bot.servicedesk.base import ServiceDesk
from bot.servicedesk.errors import BadResponse, ConfigError, TicketNotFound
from bot.servicedesk.http import DESK_TIMEOUT, JSON_OBJECT, HttpClient, Settings, field, parse_time
from bot.servicedesk.models import Requester, TicketRef, TicketRequest, TicketStatus

API = "/REST/2.0"
CORRELATION_FIELD = "AskIT Correlation ID"
PRIORITY = {"P1": 100, "P2": 75, "P3": 50, "P4": 25}
LIST_FIELDS = "Subject,Status,LastUpdated"


def ticket_sql_string(value: str) -> str:
    """A quoted TicketSQL string: backslashes and single quotes escaped."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def ticket_number(ref: str) -> str:
    """RT-123, rt#123, #123 or 123 -> "123"; TicketNotFound for anything else."""
    match = re.fullmatch(r"(?:RT)?[-#\s]*(\d+)", ref.strip(), re.IGNORECASE)
    if not match:
        raise TicketNotFound(f"rt: {ref!r} is not an RT ticket number")
    return match.group(1)


class RequestTrackerDesk(ServiceDesk):
    name = "rt"
    settings = (
        Setting("ASKIT_RT_URL", URL, "RT's web address, e.g. https://rt.council.example", required=True),
        Setting("ASKIT_RT_TOKEN", TOKEN, "an auth token of the AskIT user", required=True, secret=True),
        Setting("ASKIT_RT_QUEUES", JSON_OBJECT, "JSON: AskIT resolver group -> queue name (default: the group)"),
        DESK_TIMEOUT,
    )

    def __init__(self, client: HttpClient, queues: Mapping[str, str]) -> None:
        self.client, self.queues = client, dict(queues)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> RequestTrackerDesk:
        s = Settings(env, cls.settings, "ASKIT_RT")
        token = Secret(f"token {s['TOKEN'].reveal()}")
        client = HttpClient(cls.name, s["URL"], {"Authorization": token}, timeout=s.timeout())
        return cls(client, s["QUEUES"] or {})

    def _ref(self, number: Any) -> TicketRef:
        return TicketRef(ref=f"RT-{number}", url=f"{self.client.base_url}/Ticket/Display.html?id={number}")

    def _search(self, query: str, fields: str | None = None) -> list[dict[str, Any]]:
        params = {"query": query, "orderby": "LastUpdated", "order": "DESC", "per_page": "20"}
        if fields:
            params["fields"] = fields
        return list(field(self.client.call("GET", f"{API}/tickets", params=params, missing=ConfigError), "items"))

    def create_ticket(self, request: TicketRequest) -> TicketRef:
        body = {
            "Queue": self.queues.get(request.resolver_group, request.resolver_group),
            "Subject": request.summary,
            "Content": request.description,
            "ContentType": "text/plain",
            "Priority": PRIORITY[request.priority],
            "CustomFields": {CORRELATION_FIELD: request.correlation_id},
        }
        if request.requester.email:
            body["Requestor"] = request.requester.email
        created = self.client.call("POST", f"{API}/ticket", json_body=body, missing=ConfigError)
        return self._ref(field(created, "id"))

    def find_by_correlation(self, correlation_id: str) -> TicketRef | None:
        items = self._search(f"CF.{{{CORRELATION_FIELD}}} = {ticket_sql_string(correlation_id)}")
        return self._ref(field(items, 0, "id")) if items else None

    def get_status(self, ref: str) -> TicketStatus:
        ticket = self.client.call("GET", f"{API}/ticket/{ticket_number(ref)}")
        if not isinstance(ticket, dict):
            raise BadResponse(f"rt: ticket {ref} answered {type(ticket).__name__}, not an object")
        requestors = ticket.get("Requestor") or []
        return TicketStatus(
            ref=self._ref(field(ticket, "id")).ref,
            summary=str(ticket.get("Subject") or ""),
            status=str(field(ticket, "Status")).lower(),
            requester_id=str(requestors[0].get("id", "")) if requestors else "",
            updated_at=parse_time(ticket.get("LastUpdated")),
            url=self._ref(ticket["id"]).url,
        )

    def list_open(self, requester: Requester) -> list[TicketStatus]:
        if not requester.email:
            return []
        query = f"Requestor.EmailAddress = {ticket_sql_string(requester.email)} AND Status = '__Active__'"
        return [
            TicketStatus(
                ref=self._ref(field(item, "id")).ref,
                summary=str(item.get("Subject") or ""),
                status=str(item.get("Status") or "").lower(),
                requester_id=requester.email,
                updated_at=parse_time(item.get("LastUpdated")),
                url=self._ref(item["id"]).url,
            )
            for item in self._search(query, LIST_FIELDS)
        ]

    def add_comment(self, ref: str, text: str) -> None:
        self.client.call(
            "POST",
            f"{API}/ticket/{ticket_number(ref)}/comment",
            data=text.encode("utf-8"),
            headers={"Content-Type": "text/plain; charset=utf-8"},
        )
