"""Any other service desk, through AskIT's own signed webhook contract (version 1), for a receiver another team builds.

Settings (environment):
    ASKIT_WEBHOOK_URL       the receiver's base URL, e.g. https://desk.council.example/askit
    ASKIT_WEBHOOK_SECRET    the shared signing secret (at least 32 random bytes, e.g. ``openssl rand -hex 32``)
    ASKIT_WEBHOOK_LOOKUPS   optional, 1 (default) or 0: 0 when the receiver does not serve the GET lookups below

Signing. Every request carries ``X-AskIT-Timestamp: <unix time, whole seconds>`` and
``X-AskIT-Signature: sha256=<lower-case hex HMAC-SHA256>``, keyed with the UTF-8 bytes of the secret, over
``<timestamp> "." <signed bytes>``. The signed bytes are the raw request body for a POST (UTF-8 JSON, sent
with ``Content-Type: application/json``; AskIT escapes non-ASCII characters, so the body is ASCII), and for a
GET the request target exactly as on the request line: the URL's path and ``?query``, e.g.
``/askit/tickets?correlation_id=3f1c`` (AskIT encodes query values as application/x-www-form-urlencoded).
A receiver must answer 401 to a bad signature or a timestamp more than 300 seconds from its clock
(``verify_signature`` below does both checks) and must sign-check the bytes it received, not a re-encoding.

POST <URL>, header ``Idempotency-Key: <correlation_id>``: make a ticket
    {"event": "ticket.create", "correlation_id": "...", "ticket": {"summary", "description", "category",
     "priority" ("P1".."P4"), "resolver_group", "requester": {"id", "email", "name", "tenant"}}}
    email, name and tenant may be null. Answer 2xx {"ref": "<the desk's reference>", "url": "<link>" or null}.
    A repeat of the same Idempotency-Key must answer the same ref and make no second ticket.
POST <URL>, header ``Idempotency-Key: <hex SHA-256 of ref "\\n" text>``: the requester's comment
    {"event": "ticket.comment", "ref": "...", "text": "..."}. Answer 2xx (any body), 404 if there is no such
    ticket; a repeated key adds nothing.
Lookups (optional; set ASKIT_WEBHOOK_LOOKUPS=0 when the receiver does not serve them):
    GET <URL>/tickets/<ref, percent-encoded>        -> a ticket, or 404
    GET <URL>/tickets?correlation_id=<id>           -> {"tickets": [a ticket]}, or {"tickets": []}
    GET <URL>/tickets?requester=<email>&open=true   -> {"tickets": [the requester's open tickets]}
    a ticket: {"ref", "summary", "status" (the desk's word: resolved, closed, solved, cancelled, rejected and done
    count as closed), "requester_email", "updated_at" (ISO 8601), "url" (or null)}, and two optional fields:
      "group": the name of the team the desk has the ticket with now, or null;
      "latest_reply": {"text", "at" (ISO 8601, or null)}, the desk's newest public reply (what an agent wrote
      for the requester to read: never an internal note, never the requester's own comment), or null.
    A receiver that leaves them out (built before they were added) keeps working: AskIT then knows no group
    and no reply. AskIT reads the reply from GET <URL>/tickets/<ref>, so the list lookups may leave it out.
Errors: 400/422 refuse the content (AskIT does not retry), 401/403 a bad signature, 429 and 5xx are retried
(honouring Retry-After). Before retrying a create whose outcome it did not learn, AskIT asks the correlation
id lookup (when on), then repeats the create with the same Idempotency-Key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from bot.config import FLAG, TOKEN, URL, Setting
from bot.secret import Secret
from bot.servicedesk.base import ServiceDesk
from bot.servicedesk.errors import BadResponse, ConfigError, ServiceDeskError, TicketNotFound, Unsupported
from bot.servicedesk.http import DESK_TIMEOUT, HttpClient, Settings, field, parse_time
from bot.servicedesk.models import DeskReply, Requester, TicketRef, TicketRequest, TicketStatus

PREFIX = "sha256="
WINDOW_SECONDS = 300


def signature(secret: bytes, timestamp: str, signed: bytes) -> str:
    return PREFIX + hmac.new(secret, timestamp.encode() + b"." + signed, hashlib.sha256).hexdigest()


def verify_signature(secret: bytes, timestamp: str, body: bytes, header: str, now: float) -> bool:
    """For receivers: whether ``header`` signs ``body`` (or a GET's request target) at a fresh ``timestamp``."""
    if not (timestamp.isascii() and timestamp.isdigit()) or abs(now - int(timestamp)) > WINDOW_SECONDS:
        return False
    expected = signature(secret, timestamp, body).encode()
    return hmac.compare_digest(expected, header.encode("utf-8", "replace"))


class WebhookDesk(ServiceDesk):
    name = "webhook"
    settings = (
        Setting(
            "ASKIT_WEBHOOK_URL", URL, "the receiver's base URL, e.g. https://desk.council.example/askit", required=True
        ),
        Setting(
            "ASKIT_WEBHOOK_SECRET",
            TOKEN,
            "the shared signing secret (openssl rand -hex 32)",
            required=True,
            secret=True,
        ),
        Setting("ASKIT_WEBHOOK_LOOKUPS", FLAG, "0 when the receiver does not serve the GET lookups", default="1"),
        DESK_TIMEOUT,
    )

    def __init__(
        self, client: HttpClient, secret: Secret, lookups: bool = True, clock: Callable[[], float] = time.time
    ) -> None:
        self.client, self.secret, self.lookups, self.clock = client, secret, lookups, clock
        self.base_path = urlsplit(client.base_url).path

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> WebhookDesk:
        s = Settings(env, cls.settings, "ASKIT_WEBHOOK")
        return cls(HttpClient(cls.name, s["URL"], timeout=s.timeout()), s["SECRET"], s["LOOKUPS"])

    def _signed(self, signed: bytes) -> dict[str, str]:
        timestamp = str(int(self.clock()))
        sig = signature(self.secret.reveal().encode(), timestamp, signed)
        return {"X-AskIT-Timestamp": timestamp, "X-AskIT-Signature": sig}

    def _post(self, payload: Mapping[str, Any], key: str, missing: type[ServiceDeskError]) -> Any:
        body = json.dumps(payload)
        headers = {**self._signed(body.encode()), "Content-Type": "application/json", "Idempotency-Key": key}
        return self.client.call("POST", "", data=body, headers=headers, missing=missing)

    def _get(
        self, path: str, params: Mapping[str, str] | None = None, missing: type[ServiceDeskError] = ConfigError
    ) -> Any:
        if not self.lookups:
            raise Unsupported("the webhook receiver serves no lookups (ASKIT_WEBHOOK_LOOKUPS=0)")
        target = self.base_path + path + (f"?{urlencode(params)}" if params else "")
        return self.client.call("GET", path, params=params, headers=self._signed(target.encode()), missing=missing)

    def create_ticket(self, request: TicketRequest) -> TicketRef:
        r = request.requester
        ticket = {
            "summary": request.summary,
            "description": request.description,
            "category": request.category,
            "priority": request.priority,
            "resolver_group": request.resolver_group,
            "requester": {"id": r.id, "email": r.email, "name": r.name, "tenant": r.tenant},
        }
        payload = {"event": "ticket.create", "correlation_id": request.correlation_id, "ticket": ticket}
        answer = self._post(payload, request.correlation_id, missing=ConfigError)
        return TicketRef(ref=str(field(answer, "ref")), url=answer.get("url") or None)

    def find_by_correlation(self, correlation_id: str) -> TicketRef | None:
        tickets = list(field(self._get("/tickets", {"correlation_id": correlation_id}), "tickets"))
        if not tickets:
            return None
        return TicketRef(ref=str(field(tickets, 0, "ref")), url=tickets[0].get("url") or None)

    def _status(self, row: Mapping[str, Any]) -> TicketStatus:
        return TicketStatus(
            ref=str(field(row, "ref")),
            summary=str(row.get("summary") or ""),
            status=str(field(row, "status")).lower(),
            requester_id=str(row.get("requester_email") or ""),
            updated_at=parse_time(row.get("updated_at")),
            url=row.get("url") or None,
            group=str(row.get("group") or "") or None,
        )

    def _ticket(self, ref: str) -> Any:
        return self._get(f"/tickets/{quote(ref, safe='')}", missing=TicketNotFound)

    def get_status(self, ref: str) -> TicketStatus:
        return self._status(self._ticket(ref))

    def list_open(self, requester: Requester) -> list[TicketStatus]:
        if not requester.email:
            return []
        rows = field(self._get("/tickets", {"requester": requester.email, "open": "true"}), "tickets")
        mine = [t for t in map(self._status, rows) if t.is_open and t.belongs_to(requester)]
        return sorted(mine, key=lambda t: t.updated_at, reverse=True)

    def add_comment(self, ref: str, text: str) -> None:
        key = hashlib.sha256(f"{ref}\n{text}".encode()).hexdigest()
        self._post({"event": "ticket.comment", "ref": ref, "text": text}, key, missing=TicketNotFound)

    def latest_reply(self, ref: str) -> DeskReply | None:
        ticket = self._ticket(ref)
        if not isinstance(ticket, dict):
            raise BadResponse("webhook: the ticket lookup did not answer a ticket object")
        reply = ticket.get("latest_reply")
        if reply is None:
            return None  # no reply yet, or a receiver built before the field was added
        if not isinstance(reply, dict):
            raise BadResponse("webhook: the ticket's latest_reply is neither an object nor null")
        text = str(field(reply, "text") or "").strip()
        if not text:
            return None
        when = parse_time(reply["at"]) if reply.get("at") else None
        return DeskReply(text=text, at=None if when is None or when.timestamp() == 0 else when)
