"""A Freshservice account on loopback: API v2 tickets (create, view with ``include=requester``, the
filter query ``"a:'x' AND (status:2 OR status:3)"``), notes, and a ticket's conversations (paged as the API
pages: ``page`` from 1, ``per_page`` 30 by default and at most 100, ``Link: <...>; rel="next"`` while there is
more), with basic auth (API key and "X") and Freshservice's error bodies
``{"description": "Validation failed", "errors": [{"field", "message", "code"}]}`` and
``{"code": "invalid_credentials", "message": ...}``. Tests add conversations with ``add_reply`` (an agent's
public reply), ``add_private_note`` and ``add_requester_reply``."""

from __future__ import annotations

import base64
import datetime as dt
import html
import itertools
import re
from typing import Any

from tests.servicedesk.fakedesk import FakeDesk, Reply, Seen

API_KEY = "fs-api-key-not-for-logs"
GROUPS = {21000188390: "Network", 21000188391: "End User Computing"}
CATEGORIES = {"Network", "Hardware", "Software"}
CLAUSE = re.compile(r"(\w+):(?:'([^']*)'|(\d+))")
AGENT_ID = 21000418001  # the agent who answers; AskIT's own agent is API_AGENT_ID
API_AGENT_ID = 21000418002
DEFAULT_PER_PAGE, MAX_PER_PAGE = 30, 100
START = dt.datetime(2026, 11, 22, 11, 0, tzinfo=dt.timezone.utc)  # conversations come after the tickets
SOURCE_EMAIL, SOURCE_NOTE = 0, 2  # a reply goes out by e-mail; a note stays in the ticket


def moment(minute: int) -> dt.datetime:
    return START + dt.timedelta(minutes=minute)


def text_of(body: str) -> str:
    """``body_text``: the HTML body's text."""
    return html.unescape(re.sub(r"<br\s*/?>", "\n", re.sub(r"<(?!br)[^>]*>", "", body))).strip()


def validation_failed(*errors: tuple[str, str, str]) -> Reply:
    detail = [{"field": f, "message": m, "code": c} for f, m, c in errors]
    return Reply(400, {"description": "Validation failed", "errors": detail})


class FakeFreshservice(FakeDesk):
    def __init__(self) -> None:
        super().__init__()
        self.requesters: dict[str, int] = {"alice@northbrook.example": 21000418005}
        self.tickets: list[dict[str, Any]] = []
        self.notes: dict[int, list[dict[str, Any]]] = {}
        self._ids = itertools.count(101)
        self._people = itertools.count(21000418100)
        self._conversation_ids = itertools.count(21005968100)
        self._clock = itertools.count(0)  # conversations' times, in minutes after START

    def error_body(self, status: int) -> Any:
        if status in (401, 403):
            return {"code": "invalid_credentials", "message": "You have to be logged in to perform this action."}
        return {"description": f"fake {status}", "errors": []}

    def add_ticket(self, email: str, subject: str, status: int = 2, updated_at: str = "2026-11-20T09:30:00Z") -> Any:
        ticket = {
            "id": next(self._ids),
            "subject": subject,
            "description": f"<div>{subject}</div>",
            "status": status,
            "priority": 2,
            "source": 2,
            "type": "Incident",
            "requester_id": self.requesters.setdefault(email, next(self._people)),
            "group_id": None,
            "category": None,
            "tags": [],
            "created_at": updated_at,
            "updated_at": updated_at,
        }
        self.tickets.append(ticket)
        return ticket

    def add_conversation(self, number: int, text: str, *, private: bool, incoming: bool, user_id: int) -> Any:
        """A reply or note made now (each a minute after the last), kept as the API shows it."""
        conversation = {
            "id": next(self._conversation_ids),
            "user_id": user_id,
            "to_emails": [],
            "body": f"<div>{html.escape(text)}</div>",
            "body_text": text,
            "ticket_id": number,
            "created_at": moment(next(self._clock)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "incoming": incoming,
            "private": private,
            "source": SOURCE_NOTE if private or incoming else SOURCE_EMAIL,
            "support_email": None,
            "attachments": [],
        }
        conversation["updated_at"] = conversation["created_at"]
        self.notes.setdefault(number, []).append(conversation)
        return conversation

    def add_reply(self, number: int, text: str) -> Any:
        """An agent's public reply: what the requester reads."""
        return self.add_conversation(number, text, private=False, incoming=False, user_id=AGENT_ID)

    def add_private_note(self, number: int, text: str) -> Any:
        """An agent's private note: for agents only."""
        return self.add_conversation(number, text, private=True, incoming=False, user_id=AGENT_ID)

    def add_requester_reply(self, number: int, text: str) -> Any:
        """The requester's own reply, by e-mail or in the portal."""
        ticket = next(t for t in self.tickets if t["id"] == number)
        return self.add_conversation(number, text, private=False, incoming=True, user_id=ticket["requester_id"])

    def handle(self, request: Seen) -> Reply:
        basic = "Basic " + base64.b64encode(f"{API_KEY}:X".encode()).decode()
        if request.headers.get("authorization") != basic:
            return Reply(401, self.error_body(401))
        with self.lock:
            if request.path == "/api/v2/tickets" and request.method == "POST":
                return self._create(request)
            if request.path == "/api/v2/tickets/filter" and request.method == "GET":
                return self._filter(request)
            match = re.fullmatch(r"/api/v2/tickets/(\d+)(/notes|/conversations)?", request.path)
            if match and request.method == ("POST" if match.group(2) == "/notes" else "GET"):
                ticket = next((t for t in self.tickets if t["id"] == int(match.group(1))), None)
                if ticket is None:
                    return Reply(404, {"code": "access_denied", "message": "There is no ticket with that id"})
                if match.group(2) == "/conversations":
                    return self._conversations(ticket, request)
                return self._note(ticket, request) if match.group(2) else self._view(ticket, request)
        return Reply(404, {"code": "invalid_url", "message": f"No route for {request.method} {request.path}"})

    def _email(self, ticket: dict[str, Any]) -> str:
        return next(e for e, i in self.requesters.items() if i == ticket["requester_id"])

    def _create(self, request: Seen) -> Reply:
        if request.headers.get("content-type") != "application/json":
            return validation_failed(
                ("content_type", "Content-Type header should be application/json", "invalid_value")
            )
        body = request.json()
        missing = [f for f in ("subject", "description", "email", "status", "priority") if not body.get(f)]
        if missing:
            return validation_failed(*((f, "It should not be blank", "missing_field") for f in missing))
        checks = {
            "status": body["status"] in (2, 3, 4, 5),
            "priority": body["priority"] in (1, 2, 3, 4),
            "urgency": body.get("urgency", 1) in (1, 2, 3),
            "impact": body.get("impact", 1) in (1, 2, 3),
            "source": body.get("source", 2) in range(1, 11),
            "group_id": body.get("group_id", 21000188390) in GROUPS,
            "category": body.get("category", "Network") in CATEGORIES,
            "tags": all(isinstance(t, str) and t for t in body.get("tags", [])),
        }
        invalid = [name for name, ok in checks.items() if not ok]
        if invalid:
            return validation_failed(*((f, "It should be one of the allowed values", "invalid_value") for f in invalid))
        ticket = self.add_ticket(
            body["email"], body["subject"], status=body["status"], updated_at="2026-11-22T10:00:00Z"
        )
        ticket.update({k: body[k] for k in body if k not in ("email", "name")})
        return Reply(201, {"ticket": ticket})

    def _view(self, ticket: dict[str, Any], request: Seen) -> Reply:
        answer = dict(ticket)
        if request.query.get("include") == "requester":
            answer["requester"] = {"id": ticket["requester_id"], "name": "", "email": self._email(ticket)}
        return Reply(200, {"ticket": answer})

    def _filter(self, request: Seen) -> Reply:
        query = request.query.get("query", "")
        if len(query) < 2 or query[0] != '"' or query[-1] != '"':
            return validation_failed(("query", "The query should be enclosed in double quotes", "invalid_value"))
        tickets = self.tickets
        for term in query[1:-1].split(" AND "):
            options = [CLAUSE.fullmatch(part) for part in term.strip("()").split(" OR ")]
            if not all(options):
                return validation_failed(("query", f"Invalid query term {term!r}", "invalid_value"))
            tickets = [t for t in tickets if any(self._matches(t, m) for m in options if m)]
        return Reply(200, {"tickets": tickets, "total": len(tickets)})

    def _matches(self, ticket: dict[str, Any], clause: re.Match[str]) -> bool:
        name, text, number = clause.groups()
        if name == "tag":
            return text in ticket["tags"]
        if name == "email":
            return self._email(ticket) == text
        return str(ticket.get(name)) == (number if number is not None else text)

    def _note(self, ticket: dict[str, Any], request: Seen) -> Reply:
        body = request.json()
        if not body.get("body"):
            return validation_failed(("body", "It should not be blank", "missing_field"))
        note = self.add_conversation(
            ticket["id"],
            text_of(body["body"]),
            private=body.get("private", True),
            incoming=body.get("incoming", False),
            user_id=API_AGENT_ID,  # the API key's agent writes it, whoever it speaks for
        )
        note.update(body=body["body"], source=SOURCE_NOTE)
        return Reply(201, {"conversation": note})

    def _conversations(self, ticket: dict[str, Any], request: Seen) -> Reply:
        """One page of the ticket's replies and notes, oldest first."""
        page, per_page = request.query.get("page", "1"), request.query.get("per_page", str(DEFAULT_PER_PAGE))
        if not page.isdigit() or int(page) < 1:
            return validation_failed(("page", "It should be a positive number", "invalid_value"))
        if not per_page.isdigit() or not 1 <= int(per_page) <= MAX_PER_PAGE:
            return validation_failed(("per_page", f"It should be a number from 1 to {MAX_PER_PAGE}", "invalid_value"))
        number, size = int(page), int(per_page)
        everything = self.notes.get(ticket["id"], [])
        shown = everything[(number - 1) * size : number * size]
        headers = {}
        if number * size < len(everything):  # the API leaves the header out on the last page
            path = f"{self.url}/api/v2/tickets/{ticket['id']}/conversations"
            headers["Link"] = f'<{path}?page={number + 1}&per_page={size}>; rel="next"'
        return Reply(200, {"conversations": shown}, headers)
