"""A receiver of AskIT's webhook contract (see ``bot/servicedesk/webhook.py``) on loopback, mounted at
``/askit``: it checks every signature and the five-minute timestamp window with ``verify_signature`` (401
otherwise), honours Idempotency-Key on both POST events, and serves the three GET lookups.

Each ticket keeps the desk's side of the conversation: tests add an agent's public reply, an internal note
(``public=False``) or the requester's own update (``by="requester"``) with ``add_update``, and a ticket
answers the newest public agent reply as ``latest_reply`` with its team as ``group``. With
``fields_added_later = False`` the receiver is one built before those two fields and leaves them out."""

from __future__ import annotations

import itertools
import time
from typing import Any
from urllib.parse import unquote, urlencode

from bot.servicedesk.webhook import verify_signature
from tests.servicedesk.fakedesk import FakeDesk, Reply, Seen

SECRET = "wh-signing-secret-not-for-logs"
BASE = "/askit"
CLOSED = {"resolved", "closed"}


class FakeWebhookReceiver(FakeDesk):
    def __init__(self) -> None:
        super().__init__()
        self.tickets: list[dict[str, Any]] = []
        self.comments: dict[str, list[str]] = {}
        self.keys: dict[str, str] = {}  # Idempotency-Key -> ref
        self.updates: dict[str, list[dict[str, Any]]] = {}  # ref -> the desk's timeline, oldest first
        self.fields_added_later = True  # False: a receiver built before "group" and "latest_reply"
        self._refs = itertools.count(501)

    @property
    def receiver_url(self) -> str:
        return self.url + BASE

    def error_body(self, status: int) -> Any:
        return {"error": f"fake {status}"}

    def add_ticket(
        self,
        email: str,
        summary: str,
        status: str = "open",
        updated_at: str = "2026-11-20T09:30:00Z",
        group: str | None = None,
    ) -> Any:
        ref = f"DESK-{next(self._refs)}"
        ticket = {
            "ref": ref,
            "summary": summary,
            "status": status,
            "requester_email": email,
            "updated_at": updated_at,
            "url": f"https://desk.example/{ref}",
            "correlation_id": None,
            "group": group,
        }
        self.tickets.append(ticket)
        self.comments[ref] = []
        self.updates[ref] = []
        return ticket

    def add_update(self, ref: str, text: str, at: str, public: bool = True, by: str = "agent") -> None:
        """Something written on the ticket in the desk: by an agent or the requester, public or internal."""
        self.updates[ref].append({"text": text, "at": at, "public": public, "by": by})

    def _signed_bytes(self, request: Seen) -> bytes:
        """What AskIT signed; the base class keeps the query parsed, so it is re-encoded as AskIT encodes it."""
        if request.method == "POST":
            return request.body
        return (request.path + (f"?{urlencode(request.query)}" if request.query else "")).encode()

    def handle(self, request: Seen) -> Reply:
        timestamp = request.headers.get("x-askit-timestamp", "")
        header = request.headers.get("x-askit-signature", "")
        if not verify_signature(SECRET.encode(), timestamp, self._signed_bytes(request), header, time.time()):
            return Reply(401, {"error": "bad signature"})
        with self.lock:
            if request.method == "POST" and request.path == BASE:
                return self._event(request)
            if request.method == "GET" and request.path == f"{BASE}/tickets":
                return self._lookup(request)
            if request.method == "GET" and request.path.startswith(f"{BASE}/tickets/"):
                ref = unquote(request.path[len(f"{BASE}/tickets/") :])
                ticket = next((self._public(t) for t in self.tickets if t["ref"] == ref), None)
                return Reply(200, ticket) if ticket else Reply(404, {"error": f"no ticket {ref}"})
        return Reply(404, {"error": "no such endpoint"})

    def _public(self, ticket: dict[str, Any]) -> dict[str, Any]:
        answer = {k: v for k, v in ticket.items() if k not in ("correlation_id", "group")}
        if not self.fields_added_later:
            return answer
        replies = [u for u in self.updates[ticket["ref"]] if u["public"] and u["by"] == "agent"]
        newest = max(replies, key=lambda u: u["at"], default=None)
        latest = {"text": newest["text"], "at": newest["at"]} if newest else None
        return {**answer, "group": ticket["group"], "latest_reply": latest}

    def _event(self, request: Seen) -> Reply:
        key = request.headers.get("idempotency-key")
        body = request.json()
        if request.headers.get("content-type") != "application/json" or not key or not isinstance(body, dict):
            return Reply(400, {"error": "expected JSON with an Idempotency-Key"})
        if body.get("event") == "ticket.create":
            if key in self.keys:
                ticket = next(t for t in self.tickets if t["ref"] == self.keys[key])
                return Reply(200, {"ref": ticket["ref"], "url": ticket["url"]})
            fields = body.get("ticket") or {}
            if not fields.get("summary") or fields.get("priority") not in ("P1", "P2", "P3", "P4"):
                return Reply(422, {"error": "summary and priority P1-P4 are required"})
            email = (fields.get("requester") or {}).get("email") or ""
            ticket = self.add_ticket(email, fields["summary"], status="new", updated_at="2026-11-22T10:00:00Z")
            ticket["correlation_id"] = body.get("correlation_id")
            self.keys[key] = ticket["ref"]
            return Reply(201, {"ref": ticket["ref"], "url": ticket["url"]})
        if body.get("event") == "ticket.comment":
            if body.get("ref") not in self.comments:
                return Reply(404, {"error": f"no ticket {body.get('ref')}"})
            if key not in self.keys:
                self.comments[body["ref"]].append(str(body.get("text")))
                self.updates[body["ref"]].append(
                    {"text": str(body.get("text")), "at": "2026-11-22T10:30:00Z", "public": True, "by": "requester"}
                )
                self.keys[key] = body["ref"]
            return Reply(200, {"ok": True})
        return Reply(400, {"error": f"unknown event {body.get('event')!r}"})

    def _lookup(self, request: Seen) -> Reply:
        if "correlation_id" in request.query:
            found = [t for t in self.tickets if t["correlation_id"] == request.query["correlation_id"]]
        elif request.query.get("open") == "true" and "requester" in request.query:
            email = request.query["requester"]
            found = [t for t in self.tickets if t["requester_email"] == email and t["status"] not in CLOSED]
        else:
            return Reply(400, {"error": "give correlation_id, or requester and open=true"})
        return Reply(200, {"tickets": [self._public(t) for t in found]})
