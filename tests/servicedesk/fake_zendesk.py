"""A Zendesk Support account on loopback: tickets (create with ``Idempotency-Key``, show with
``include=users``, list by ``external_id``, update with a comment), a ticket's comments (``sort_order=asc|desc``;
``public: false`` is an internal note) and search (``type:ticket requester:<email> status<solved``), with
API-token basic auth and Zendesk's error bodies (``{"error": "RecordInvalid", "description", "details"}``,
``{"error": "RecordNotFound", ...}``, ``{"error": "Couldn't authenticate you"}``)."""

from __future__ import annotations

import base64
import datetime as dt
import html
import itertools
import re
from typing import Any

from tests.servicedesk.fakedesk import FakeDesk, Reply, Seen

AGENT_EMAIL, API_TOKEN = "askit.integration@northbrook.example", "zd-api-token-not-for-logs"
AGENT_ID = 900  # the AskIT integration agent
ANALYST_ID = 901  # a service-desk agent who answers tickets
# Comments made without an explicit time are this far apart, from CLOCK_START: newest last.
CLOCK_START, CLOCK_STEP = dt.datetime(2026, 11, 22, 10, 0, 0, tzinfo=dt.timezone.utc), dt.timedelta(minutes=1)
GROUPS = {360001, 360002}
PRIORITIES = {"urgent", "high", "normal", "low"}
TYPES = {"problem", "incident", "question", "task"}
OPEN = ("new", "open", "pending", "hold")


def invalid(field: str, message: str) -> Reply:
    details = {field: [{"description": message, "error": "InvalidValue"}]}
    return Reply(422, {"error": "RecordInvalid", "description": "Record validation errors", "details": details})


class FakeZendesk(FakeDesk):
    def __init__(self) -> None:
        super().__init__()
        self.users: list[dict[str, Any]] = [
            {"id": AGENT_ID, "name": "AskIT", "email": AGENT_EMAIL, "role": "agent"},
            {"id": ANALYST_ID, "name": "Beth Agent", "email": "beth@northbrook.example", "role": "agent"},
        ]
        self.tickets: list[dict[str, Any]] = []
        self.comments: dict[int, list[dict[str, Any]]] = {}  # by ticket id, oldest first, as the API shows them
        self.idempotency: dict[str, tuple[bytes, int]] = {}
        self._ids = itertools.count(1001)
        self._user_ids = itertools.count(7001)
        self._comment_ids = itertools.count(50001)
        self._ticks = itertools.count()

    def error_body(self, status: int) -> Any:
        if status == 401:
            return {"error": "Couldn't authenticate you"}
        return {"error": "Fake", "description": f"fake {status}"}

    def user(self, email: str, name: str = "") -> int:
        found = next((u for u in self.users if u["email"] == email), None)
        if found is None:
            found = {"id": next(self._user_ids), "name": name or email, "email": email, "role": "end-user"}
            self.users.append(found)
        return int(found["id"])

    def add_comment(
        self, number: int, body: str, author_id: int, public: bool = True, created_at: str | None = None
    ) -> dict[str, Any]:
        """A comment as the Comments API shows it (``body`` and ``plain_body`` plain, ``html_body`` HTML)."""
        when = created_at or (CLOCK_START + next(self._ticks) * CLOCK_STEP).strftime("%Y-%m-%dT%H:%M:%SZ")
        comment = {
            "id": next(self._comment_ids),
            "type": "Comment",
            "author_id": author_id,
            "body": body,
            "html_body": "<div><p>" + html.escape(body).replace("\n", "<br>") + "</p></div>",
            "plain_body": body,
            "public": public,
            "created_at": when,
        }
        self.comments[number].append(comment)
        return comment

    def add_reply(self, number: int, body: str, created_at: str | None = None) -> dict[str, Any]:
        """A public reply from a service-desk agent."""
        return self.add_comment(number, body, ANALYST_ID, public=True, created_at=created_at)

    def add_note(self, number: int, body: str, created_at: str | None = None) -> dict[str, Any]:
        """An internal note (a private comment) from a service-desk agent."""
        return self.add_comment(number, body, ANALYST_ID, public=False, created_at=created_at)

    def add_ticket(
        self, email: str, subject: str, status: str = "open", updated_at: str = "2026-11-20T09:30:00Z"
    ) -> Any:
        number = next(self._ids)
        ticket = {
            "url": f"{self.url}/api/v2/tickets/{number}.json",
            "id": number,
            "subject": subject,
            "status": status,
            "priority": "normal",
            "type": "incident",
            "requester_id": self.user(email) if email else AGENT_ID,
            "group_id": None,
            "external_id": None,
            "tags": [],
            "created_at": updated_at,
            "updated_at": updated_at,
        }
        self.tickets.append(ticket)
        self.comments[number] = []
        return ticket

    def handle(self, request: Seen) -> Reply:
        token = "Basic " + base64.b64encode(f"{AGENT_EMAIL}/token:{API_TOKEN}".encode()).decode()
        if request.headers.get("authorization") != token:
            return Reply(401, {"error": "Couldn't authenticate you"})
        with self.lock:
            if request.path == "/api/v2/tickets" and request.method in ("GET", "POST"):
                return self._create(request) if request.method == "POST" else self._by_external_id(request)
            if request.path == "/api/v2/search" and request.method == "GET":
                return self._search(request)
            match = re.fullmatch(r"/api/v2/tickets/(\d+)(/comments)?", request.path)
            if match and request.method in (("GET",) if match.group(2) else ("GET", "PUT")):
                ticket = next((t for t in self.tickets if t["id"] == int(match.group(1))), None)
                if ticket is None:
                    return Reply(404, {"error": "RecordNotFound", "description": "Not found"})
                if match.group(2):
                    return self._comments(ticket, request)
                return self._show(ticket, request) if request.method == "GET" else self._update(ticket, request)
        return Reply(404, {"error": "InvalidEndpoint", "description": "Not found"})

    def _create(self, request: Seen) -> Reply:
        key = request.headers.get("idempotency-key")
        if key in self.idempotency:
            body, number = self.idempotency[key]
            if body != request.body:
                message = "Request parameters don't match the given idempotency key"
                return Reply(400, {"error": "IdempotentRequestError", "description": message})
            ticket = next(t for t in self.tickets if t["id"] == number)
            return Reply(201, {"ticket": ticket}, {"x-idempotency-lookup": "hit"})
        if request.headers.get("content-type") != "application/json":
            return Reply(400, {"error": "InvalidContentType", "description": "Use application/json"})
        fields = request.json().get("ticket") or {}
        comment = fields.get("comment") or {}
        if not comment.get("body"):
            return invalid("description", "Description: cannot be blank")
        checks = {
            "priority": fields.get("priority", "normal") in PRIORITIES,
            "type": fields.get("type", "question") in TYPES,
            "group_id": fields.get("group_id", 360001) in GROUPS,
            "tags": all(isinstance(t, str) and " " not in t for t in fields.get("tags", [])),
        }
        bad = [name for name, ok in checks.items() if not ok]
        if bad:
            return invalid(bad[0], f"{bad[0]}: is invalid")
        requester = fields.get("requester")
        ticket = self.add_ticket(requester["email"] if requester else "", fields.get("subject", ""), status="new")
        if requester:
            self.user(requester["email"], requester.get("name", ""))
        ticket.update({k: v for k, v in fields.items() if k in ("priority", "type", "group_id", "external_id", "tags")})
        ticket["updated_at"] = "2026-11-22T10:00:00Z"
        author = ticket["requester_id"] if requester else AGENT_ID
        self.add_comment(ticket["id"], comment["body"], comment.get("author_id", author), comment.get("public", True))
        if key:
            self.idempotency[key] = (request.body, ticket["id"])
        return Reply(201, {"ticket": ticket}, {"x-idempotency-lookup": "miss"} if key else {})

    def _by_external_id(self, request: Seen) -> Reply:
        tickets = [t for t in self.tickets if t["external_id"] == request.query.get("external_id")]
        return Reply(200, {"tickets": tickets, "next_page": None, "previous_page": None, "count": len(tickets)})

    def _show(self, ticket: dict[str, Any], request: Seen) -> Reply:
        answer: dict[str, Any] = {"ticket": ticket}
        if request.query.get("include") == "users":
            answer["users"] = [u for u in self.users if u["id"] == ticket["requester_id"]]
        return Reply(200, answer)

    def _search(self, request: Seen) -> Reply:
        rows = [{**t, "result_type": "ticket"} for t in self.tickets]
        for term in request.query.get("query", "").split():
            if term == "type:ticket":
                continue
            if term == "status<solved":
                rows = [r for r in rows if r["status"] in OPEN]
            elif term.startswith("requester:"):
                email = term.split(":", 1)[1]
                rows = [
                    r for r in rows if any(u["id"] == r["requester_id"] and u["email"] == email for u in self.users)
                ]
            else:
                return Reply(400, {"error": "InvalidSearch", "description": f"unsupported term {term}"})
        if request.query.get("sort_by") == "updated_at":
            rows.sort(key=lambda r: r["updated_at"], reverse=request.query.get("sort_order") == "desc")
        return Reply(
            200, {"results": rows, "facets": None, "next_page": None, "previous_page": None, "count": len(rows)}
        )

    def _update(self, ticket: dict[str, Any], request: Seen) -> Reply:
        if ticket["status"] == "closed":
            return invalid("status", "Status: closed prevents ticket update")
        comment = (request.json().get("ticket") or {}).get("comment") or {}
        if not comment.get("body"):
            return invalid("comment", "Comment: cannot be blank")
        author = comment.get("author_id", AGENT_ID)
        self.add_comment(ticket["id"], comment["body"], author, comment.get("public", True))
        return Reply(200, {"ticket": ticket, "audit": {"ticket_id": ticket["id"], "author_id": AGENT_ID}})

    def _comments(self, ticket: dict[str, Any], request: Seen) -> Reply:
        order = request.query.get("sort_order", "asc")
        if order not in ("asc", "desc"):
            return Reply(400, {"error": "InvalidValue", "description": f"sort_order: {order} is invalid"})
        comments = sorted(self.comments[ticket["id"]], key=lambda c: c["created_at"], reverse=order == "desc")
        page = {"comments": comments, "next_page": None, "previous_page": None, "count": len(comments)}
        return Reply(200, page)
