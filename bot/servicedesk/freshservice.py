"""Freshservice, through the REST API v2 (``/api/v2/tickets``).

Settings (environment):
    ASKIT_FRESHSERVICE_URL            the account, e.g. https://council.freshservice.com
    ASKIT_FRESHSERVICE_API_KEY        an agent's API key (basic auth: the key as user name, "X" as password)
    ASKIT_FRESHSERVICE_GROUPS         optional JSON: AskIT resolver group -> Freshservice group id (a number)
    ASKIT_FRESHSERVICE_CATEGORIES     optional JSON: AskIT category -> a value of the account's Category field
    ASKIT_FRESHSERVICE_DEFAULT_EMAIL  optional: the requester e-mail for people AskIT has no e-mail for

Freshservice takes no idempotency key. Every ticket AskIT raises carries the tag ``askit-<hash>`` (26 hex digits
of the SHA-256 of the correlation id, short enough for a tag) and the correlation id at the foot of its
description; ``find_by_correlation`` asks ``/api/v2/tickets/filter`` for that tag. The Category field only takes
the account's own values, so an unmapped category goes into the tags instead. Tickets are referred to as
Freshservice shows them (``INC-123``); ``get_status`` also takes ``#INC-123`` and the bare id.

The latest reply is the newest conversation (``/api/v2/tickets/{id}/conversations``) that is neither private (an
agents' note) nor incoming (the requester's reply, or a comment AskIT added for them).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import html
import re
from collections.abc import Mapping
from typing import Any

from bot.config import EMAIL, TOKEN, URL, Setting
from bot.secret import Secret
from bot.servicedesk.base import ServiceDesk
from bot.servicedesk.errors import ConfigError, RejectedData, TicketNotFound, Unsupported
from bot.servicedesk.http import DESK_TIMEOUT, JSON_IDS, JSON_OBJECT, HttpClient, Settings, field, parse_time
from bot.servicedesk.models import DeskReply, Requester, TicketRef, TicketRequest, TicketStatus

TICKETS = "/api/v2/tickets"
PRIORITY = {"P1": 4, "P2": 3, "P3": 2, "P4": 1}  # 1 low .. 4 urgent
URGENCY_IMPACT = {"P1": (3, 3), "P2": (3, 2), "P3": (2, 2), "P4": (1, 1)}  # 1 low .. 3 high
STATUS_OPEN, SOURCE_CHAT = 2, 4
STATUSES = {2: "open", 3: "pending", 4: "resolved", 5: "closed"}
OPEN_QUERY = "(status:2 OR status:3)"
PREFIXES = {"incident": "INC", "service request": "SR", "case": "CASE", "query": "QUERY", "issue": "ISSUE"}
# Conversations come a page at a time; the next page's address is in the Link header, which the shared client
# does not hand back, so paging stops at the first page shorter than asked for (an empty one after an exact fit).
CONVERSATIONS_PER_PAGE = 100  # the API's largest page
MAX_CONVERSATION_PAGES = 10  # 1,000 replies and notes: far past any real ticket, and a bound on the calls
REF = re.compile(r"#?(?:[A-Za-z]+-)?(\d+)")


def correlation_tag(correlation_id: str) -> str:
    return "askit-" + hashlib.sha256(correlation_id.encode()).hexdigest()[:26]


def as_html(text: str) -> str:
    """Plain text as Freshservice's HTML description: escaped, line breaks kept."""
    return "<div>" + html.escape(text).replace("\n", "<br>") + "</div>"


def quoted(value: str) -> str:
    """A string value in a filter query; the documented syntax has no escape for quotes."""
    if any(c in value for c in "'\"\\"):
        raise Unsupported(f"freshservice: the filter API cannot search for {value!r}")
    return f"'{value}'"


def ticket_id(ref: str) -> str:
    match = REF.fullmatch(ref.strip())
    if not match:
        raise TicketNotFound(f"freshservice: {ref!r} is not a ticket reference")
    return match.group(1)


class FreshserviceDesk(ServiceDesk):
    name = "freshservice"
    settings = (
        Setting("ASKIT_FRESHSERVICE_URL", URL, "the account, e.g. https://council.freshservice.com", required=True),
        Setting("ASKIT_FRESHSERVICE_API_KEY", TOKEN, "an agent's API key", required=True, secret=True),
        Setting("ASKIT_FRESHSERVICE_GROUPS", JSON_IDS, "JSON: AskIT resolver group -> Freshservice group id"),
        Setting("ASKIT_FRESHSERVICE_CATEGORIES", JSON_OBJECT, "JSON: AskIT category -> a Category field value"),
        Setting("ASKIT_FRESHSERVICE_DEFAULT_EMAIL", EMAIL, "the requester e-mail for people AskIT has none for"),
        DESK_TIMEOUT,
    )

    def __init__(
        self,
        client: HttpClient,
        groups: Mapping[str, int],
        categories: Mapping[str, str],
        default_email: str | None = None,
    ) -> None:
        self.client, self.groups, self.categories = client, dict(groups), dict(categories)
        self.default_email = default_email

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> FreshserviceDesk:
        s = Settings(env, cls.settings, "ASKIT_FRESHSERVICE")
        basic = Secret("Basic " + base64.b64encode(f"{s['API_KEY'].reveal()}:X".encode()).decode())
        client = HttpClient(cls.name, s["URL"], {"Authorization": basic}, timeout=s.timeout())
        return cls(client, s["GROUPS"] or {}, s["CATEGORIES"] or {}, s["DEFAULT_EMAIL"])

    def _ref(self, ticket: Mapping[str, Any]) -> TicketRef:
        number = field(ticket, "id")
        prefix = PREFIXES.get(str(ticket.get("type") or "incident").lower(), "INC")
        return TicketRef(ref=f"{prefix}-{number}", url=f"{self.client.base_url}/support/tickets/{number}")

    def _filter(self, query: str) -> list[dict[str, Any]]:
        params = {"query": f'"{query}"'}
        return list(field(self.client.call("GET", f"{TICKETS}/filter", params=params, missing=ConfigError), "tickets"))

    def create_ticket(self, request: TicketRequest) -> TicketRef:
        requester = request.requester
        email = requester.email or self.default_email
        if not email:
            raise RejectedData(
                "freshservice: a ticket needs the requester's e-mail (see ASKIT_FRESHSERVICE_DEFAULT_EMAIL)"
            )
        notes = [f"AskIT reference: {request.correlation_id}"]
        if not requester.email:
            notes.insert(0, f"Requester (no e-mail known to AskIT): {requester.name or requester.id}")
        urgency, impact = URGENCY_IMPACT[request.priority]
        tags = ["askit", correlation_tag(request.correlation_id)]
        body: dict[str, Any] = {
            "subject": request.summary,
            "description": as_html("\n\n".join([request.description, *notes])),
            "email": email,
            "priority": PRIORITY[request.priority],
            "urgency": urgency,
            "impact": impact,
            "status": STATUS_OPEN,
            "source": SOURCE_CHAT,
            "tags": tags,
        }
        if requester.email and requester.name:
            body["name"] = requester.name
        if request.resolver_group in self.groups:
            body["group_id"] = self.groups[request.resolver_group]
        if request.category in self.categories:
            body["category"] = self.categories[request.category]
        else:
            tags.append(request.category)
        created = self.client.call("POST", TICKETS, json_body=body, missing=ConfigError)
        return self._ref(field(created, "ticket"))

    def find_by_correlation(self, correlation_id: str) -> TicketRef | None:
        tickets = self._filter(f"tag:{quoted(correlation_tag(correlation_id))}")
        return self._ref(tickets[0]) if tickets else None

    def _status(self, ticket: Mapping[str, Any], email: str) -> TicketStatus:
        code = ticket.get("status")
        ref = self._ref(ticket)
        return TicketStatus(
            ref=ref.ref,
            summary=str(ticket.get("subject") or ""),
            status=STATUSES.get(code, f"status {code}") if isinstance(code, int) else str(code).lower(),
            requester_id=email,
            updated_at=parse_time(ticket.get("updated_at")),
            url=ref.url,
        )

    def get_status(self, ref: str) -> TicketStatus:
        answer = self.client.call("GET", f"{TICKETS}/{ticket_id(ref)}", params={"include": "requester"})
        ticket = field(answer, "ticket")
        return self._status(ticket, str((ticket.get("requester") or {}).get("email") or ""))

    def list_open(self, requester: Requester) -> list[TicketStatus]:
        if not requester.email:
            return []
        tickets = self._filter(f"email:{quoted(requester.email)} AND {OPEN_QUERY}")
        found = [self._status(ticket, requester.email) for ticket in tickets]
        return sorted(found, key=lambda t: t.updated_at, reverse=True)

    def add_comment(self, ref: str, text: str) -> None:
        note = {"body": as_html(text), "private": False, "incoming": True}
        self.client.call("POST", f"{TICKETS}/{ticket_id(ref)}/notes", json_body=note)

    def latest_reply(self, ref: str) -> DeskReply | None:
        path = f"{TICKETS}/{ticket_id(ref)}/conversations"
        newest: Mapping[str, Any] | None = None
        for page in range(1, MAX_CONVERSATION_PAGES + 1):
            params = {"page": str(page), "per_page": str(CONVERSATIONS_PER_PAGE)}
            answer = self.client.call("GET", path, params=params)
            conversations = [c for c in field(answer, "conversations") if isinstance(c, Mapping)]
            for conversation in conversations:
                # only one both flags call public and outgoing; a conversation missing either flag is left out
                if conversation.get("private") is not False or conversation.get("incoming") is not False:
                    continue
                # the newest by its time, not its place: the list's order is not documented well enough to rely on
                if newest is None or _at(conversation) >= _at(newest):
                    newest = conversation
            if len(conversations) < CONVERSATIONS_PER_PAGE:
                break
        else:
            raise Unsupported(f"freshservice: {ref} has more than {MAX_CONVERSATION_PAGES} pages of conversations")
        if newest is None:
            return None
        created = newest.get("created_at")
        return DeskReply(text=str(newest.get("body_text") or "").strip(), at=parse_time(created) if created else None)


def _at(conversation: Mapping[str, Any]) -> dt.datetime:
    return parse_time(conversation.get("created_at"))
