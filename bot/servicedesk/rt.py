"""Request Tracker 5, through its REST2 API (``/REST/2.0/``) with an auth token.

Settings (environment):
    ASKIT_RT_URL        RT's web address, e.g. https://rt.council.example
    ASKIT_RT_TOKEN      an auth token of the AskIT user (RT: Logged in as > Settings > Auth Tokens)
    ASKIT_RT_QUEUES     optional JSON: AskIT resolver group -> queue name (default: a queue named as the group)

``deploy/request-tracker/askit-initialdata`` creates the queues, the user and its rights, and the
"AskIT Correlation ID" custom field that holds each ticket's correlation id, which is how a retried
delivery finds the ticket it already made. References are shown as ``RT-<number>``.

The desk's latest reply is the ticket's newest ``Correspond`` transaction not created by one of its
requestors: in RT a reply to the requester is a Correspond and an internal note a Comment, but a
requester's own e-mail or self-service reply is a Correspond too, made by the requester's user.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from bot.config import TOKEN, URL, Setting
from bot.secret import Secret
from bot.servicedesk.base import ServiceDesk
from bot.servicedesk.errors import BadResponse, ConfigError, TicketNotFound
from bot.servicedesk.http import DESK_TIMEOUT, JSON_OBJECT, HttpClient, Settings, field, parse_time
from bot.servicedesk.models import DeskReply, Requester, TicketRef, TicketRequest, TicketStatus
from bot.servicedesk.text import html_text

API = "/REST/2.0"
CORRELATION_FIELD = "AskIT Correlation ID"
PRIORITY = {"P1": 100, "P2": 75, "P3": 50, "P4": 25}
LIST_FIELDS = "Subject,Status,LastUpdated"
REPLY_TYPE = "Correspond"  # a reply to the requester; "Comment" is an internal note
PLAIN, HTML = "text/plain", "text/html"
# The reply's message parts, read from the collection, where RT gives Content as decoded text (only
# GET /attachment/{id} base64-encodes it): one call for the whole message instead of one per part.
PART_FIELDS = "ContentType,Filename,Content"
# Only text parts are asked for, so an attached PDF or image never travels; RT ORs conditions on one field.
TEXT_PARTS = json.dumps([{"field": "ContentType", "value": PLAIN}, {"field": "ContentType", "value": HTML}])
MAX_PARTS = "20"  # one page: a reply's body and its text attachments; the body comes first


def ticket_sql_string(value: str) -> str:
    """A quoted TicketSQL string: backslashes and single quotes escaped."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def ticket_number(ref: str) -> str:
    """RT-123, rt#123, #123 or 123 -> "123"; TicketNotFound for anything else."""
    match = re.fullmatch(r"(?:RT)?[-#\s]*(\d+)", ref.strip(), re.IGNORECASE)
    if not match:
        raise TicketNotFound(f"rt: {ref!r} is not an RT ticket number")
    return match.group(1)


def message_text(parts: Sequence[Any]) -> str:
    """A reply's words from its message parts: the body's text/plain part, else its text/html part as
    text (RT keeps a reply written in its rich-text editor only as HTML). Attached files are skipped."""
    bodies: dict[str, str] = {}
    for part in parts:
        if not isinstance(part, dict) or part.get("Filename"):
            continue
        content_type = str(part.get("ContentType") or "").split(";")[0].strip().lower()
        content = part.get("Content")
        if isinstance(content, str) and content.strip():
            bodies.setdefault(content_type, content)
    if PLAIN in bodies:
        return bodies[PLAIN].strip()
    return html_text(bodies[HTML]) if HTML in bodies else ""


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

    def _ticket(self, ref: str) -> dict[str, Any]:
        ticket = self.client.call("GET", f"{API}/ticket/{ticket_number(ref)}")
        if not isinstance(ticket, dict):
            raise BadResponse(f"rt: ticket {ref} answered {type(ticket).__name__}, not an object")
        return ticket

    def get_status(self, ref: str) -> TicketStatus:
        # No group: the ticket names its Queue only by id ({"type": "queue", "id": "10"}), not by name.
        ticket = self._ticket(ref)
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

    def latest_reply(self, ref: str) -> DeskReply | None:
        # Three calls. The ticket first: a transaction search answers an unknown ticket with an empty
        # list, not 404, and the ticket names its requestors. Then the newest Correspond made by anyone
        # else (transaction ids grow with time, so one row ordered by id is enough: no paging), then its
        # message parts.
        ticket = self._ticket(ref)
        number = str(field(ticket, "id"))  # the ticket RT loaded: a merged ticket's number leads to its successor
        if not number.isdigit():
            raise BadResponse(f"rt: ticket {ref} has the id {number!r}")
        requestors = [str(r.get("id")) for r in ticket.get("Requestor") or [] if r.get("type") == "user"]
        conditions = [
            "ObjectType = 'RT::Ticket'",
            f"ObjectId = {number}",
            f"Type = {ticket_sql_string(REPLY_TYPE)}",
            *(f"Creator != {ticket_sql_string(name)}" for name in requestors),
        ]
        newest = {"orderby": "id", "order": "DESC", "per_page": "1", "fields": "Created"}
        found = self.client.call(
            "GET", f"{API}/transactions", params={"query": " AND ".join(conditions), **newest}, missing=ConfigError
        )
        items = field(found, "items")
        if not items:
            return None
        reply_id, created = field(items, 0, "id"), field(items, 0).get("Created")
        parts = self.client.call(
            "GET",
            f"{API}/transaction/{reply_id}/attachments",
            params={"query": TEXT_PARTS, "fields": PART_FIELDS, "per_page": MAX_PARTS},
            missing=ConfigError,
        )
        return DeskReply(text=message_text(field(parts, "items")), at=parse_time(created) if created else None)
