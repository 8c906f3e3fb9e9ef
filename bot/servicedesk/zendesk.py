"""Zendesk Support, through the Ticketing API (``/api/v2/tickets``).

Settings (environment):
    ASKIT_ZENDESK_URL        the account, e.g. https://council.zendesk.com
    ASKIT_ZENDESK_EMAIL      the agent the API token acts for
    ASKIT_ZENDESK_API_TOKEN  an API token (basic auth as ``<email>/token:<api token>``)
    ASKIT_ZENDESK_GROUPS     optional JSON: AskIT resolver group -> Zendesk group id (a number)

Idempotency: the create call carries ``Idempotency-Key: <correlation id>``; for two hours Zendesk answers a
repeat with the ticket it already made (``x-idempotency-lookup: hit``), and a repeat with a different body with
400 IdempotentRequestError. The correlation id is also the ticket's ``external_id``, which
``find_by_correlation`` looks up (``GET /api/v2/tickets?external_id=``) after that window too. The
transcript goes in a private first comment; the requester's later comments are public and made in their name.
The desk's latest reply is the newest public comment (``GET /api/v2/tickets/{id}/comments?sort_order=desc``)
whose author is not the ticket's requester: private comments are internal notes.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from typing import Any

from bot.config import EMAIL, TOKEN, URL, Setting
from bot.secret import Secret
from bot.servicedesk.base import ServiceDesk
from bot.servicedesk.errors import ConfigError, TicketNotFound
from bot.servicedesk.http import DESK_TIMEOUT, JSON_IDS, HttpClient, Settings, field, parse_time
from bot.servicedesk.models import DeskReply, Requester, TicketRef, TicketRequest, TicketStatus
from bot.servicedesk.text import html_text

TICKETS = "/api/v2/tickets"
SEARCH = "/api/v2/search"
PRIORITIES = {"P1": "urgent", "P2": "high", "P3": "normal", "P4": "low"}


def tag(value: str) -> str:
    """A Zendesk tag: lower case, no spaces (a space would split it in two)."""
    return re.sub(r"[^\w-]+", "_", value.strip().lower())


def comment_text(comment: Mapping[str, Any]) -> str:
    """A comment as plain text: ``plain_body``, else ``body``, else ``html_body`` without its tags."""
    text = comment.get("plain_body") or comment.get("body")
    if not text and comment.get("html_body"):
        text = html_text(str(comment["html_body"]))  # only when a comment has no plain text
    return str(text or "").strip()


def ticket_id(ref: str) -> str:
    number = ref.strip().lstrip("#")
    if not number.isdigit():
        raise TicketNotFound(f"zendesk: {ref!r} is not a ticket number")
    return number


class ZendeskDesk(ServiceDesk):
    name = "zendesk"
    settings = (
        Setting("ASKIT_ZENDESK_URL", URL, "the account, e.g. https://council.zendesk.com", required=True),
        Setting("ASKIT_ZENDESK_EMAIL", EMAIL, "the agent the API token acts for", required=True),
        Setting("ASKIT_ZENDESK_API_TOKEN", TOKEN, "an API token", required=True, secret=True),
        Setting("ASKIT_ZENDESK_GROUPS", JSON_IDS, "JSON: AskIT resolver group -> Zendesk group id"),
        DESK_TIMEOUT,
    )

    def __init__(self, client: HttpClient, groups: Mapping[str, int]) -> None:
        self.client, self.groups = client, dict(groups)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ZendeskDesk:
        s = Settings(env, cls.settings, "ASKIT_ZENDESK")
        basic = Secret("Basic " + base64.b64encode(f"{s['EMAIL']}/token:{s['API_TOKEN'].reveal()}".encode()).decode())
        client = HttpClient(cls.name, s["URL"], {"Authorization": basic}, timeout=s.timeout())
        return cls(client, s["GROUPS"] or {})

    def _ref(self, number: Any) -> TicketRef:
        return TicketRef(ref=str(number), url=f"{self.client.base_url}/hc/requests/{number}")

    def create_ticket(self, request: TicketRequest) -> TicketRef:
        requester, body = request.requester, request.description
        ticket: dict[str, Any] = {
            "subject": request.summary,
            "priority": PRIORITIES[request.priority],
            "type": "incident",
            "external_id": request.correlation_id,
            "tags": ["askit", tag(request.category)],
        }
        if requester.email:
            ticket["requester"] = {"name": requester.name or requester.email, "email": requester.email}
        else:  # the ticket stays with the API agent; keep who asked in the ticket itself
            body = f"Requester (no e-mail known to AskIT): {requester.name or requester.id}\n\n{body}"
        ticket["comment"] = {"body": body, "public": False}
        if request.resolver_group in self.groups:
            ticket["group_id"] = self.groups[request.resolver_group]
        headers = {"Idempotency-Key": request.correlation_id}
        created = self.client.call("POST", TICKETS, json_body={"ticket": ticket}, headers=headers, missing=ConfigError)
        return self._ref(field(created, "ticket", "id"))

    def find_by_correlation(self, correlation_id: str) -> TicketRef | None:
        answer = self.client.call("GET", TICKETS, params={"external_id": correlation_id}, missing=ConfigError)
        tickets = list(field(answer, "tickets"))
        return self._ref(field(tickets, 0, "id")) if tickets else None

    def _status(self, ticket: Mapping[str, Any], email: str) -> TicketStatus:
        ref = self._ref(field(ticket, "id"))
        return TicketStatus(
            ref=ref.ref,
            summary=str(ticket.get("subject") or ""),
            status=str(field(ticket, "status")).lower(),
            requester_id=email,
            updated_at=parse_time(ticket.get("updated_at")),
            url=ref.url,
        )

    def get_status(self, ref: str) -> TicketStatus:
        answer = self.client.call("GET", f"{TICKETS}/{ticket_id(ref)}", params={"include": "users"})
        ticket = field(answer, "ticket")
        emails = {user.get("id"): user.get("email") for user in answer.get("users") or []}
        return self._status(ticket, str(emails.get(ticket.get("requester_id")) or ""))

    def list_open(self, requester: Requester) -> list[TicketStatus]:
        if not requester.email:
            return []
        query = f"type:ticket requester:{requester.email} status<solved"
        params = {"query": query, "sort_by": "updated_at", "sort_order": "desc"}
        results = field(self.client.call("GET", SEARCH, params=params, missing=ConfigError), "results")
        found = [self._status(row, requester.email) for row in results if row.get("result_type") == "ticket"]
        return sorted(found, key=lambda t: t.updated_at, reverse=True)

    def add_comment(self, ref: str, text: str) -> None:
        path = f"{TICKETS}/{ticket_id(ref)}"
        requester_id = field(self.client.call("GET", path), "ticket", "requester_id")
        comment = {"body": text, "public": True, "author_id": requester_id}
        self.client.call("PUT", path, json_body={"ticket": {"comment": comment}})

    def latest_reply(self, ref: str) -> DeskReply | None:
        path = f"{TICKETS}/{ticket_id(ref)}"
        requester_id = field(self.client.call("GET", path), "ticket", "requester_id")
        # Newest first: the first page (Zendesk's 100 newest) holds the latest reply unless the requester has
        # written a hundred comments since, which is not worth a second call.
        comments = field(self.client.call("GET", f"{path}/comments", params={"sort_order": "desc"}), "comments")
        for comment in comments:
            if comment.get("public") is not True or comment.get("author_id") == requester_id:
                continue  # an internal note, or the requester's own words (AskIT posts theirs in their name)
            text = comment_text(comment)
            if text:  # a comment that only carries an attachment says nothing to repeat
                created = comment.get("created_at")
                return DeskReply(text, parse_time(created) if created else None)
        return None
