"""Request Tracker 5's REST2 on loopback, for the failure matrix (the real RT runs in
test_rt_integration.py): token auth, ticket create/read/search/comment, ``{"message": ...}`` errors."""

from __future__ import annotations

import re
from typing import Any

from tests.servicedesk.fakedesk import FakeDesk, Reply, Seen

TOKEN = "1-77-rt-token-not-for-logs"
QUEUES = {"network", "service-desk", "end-user-computing", "major-incident"}
CORRELATION = "CF.{AskIT Correlation ID}"


class FakeRT(FakeDesk):
    def __init__(self) -> None:
        super().__init__()
        self.tickets: dict[int, dict[str, Any]] = {}

    def error_body(self, status: int) -> Any:
        return {"message": f"fake {status}"}

    def add(self, subject: str, requestor: str, correlation_id: str = "", status: str = "new") -> int:
        number = len(self.tickets) + 1
        self.tickets[number] = {
            "id": number,
            "Subject": subject,
            "Status": status,
            "Queue": "network",
            "Requestor": [{"type": "user", "id": requestor}],
            "LastUpdated": f"2026-11-22T10:{number:02d}:00Z",
            "CustomFields": {"AskIT Correlation ID": correlation_id},
            "comments": [],
        }
        return number

    def handle(self, request: Seen) -> Reply:
        if request.headers.get("authorization") != f"token {TOKEN}":
            return Reply(401, {"message": "Unauthorized"})
        with self.lock:
            if request.method == "POST" and request.path == "/REST/2.0/ticket":
                return self._create(request.json())
            if request.method == "GET" and request.path == "/REST/2.0/tickets":
                return self._search(request.query)
            match = re.fullmatch(r"/REST/2.0/ticket/(\d+)(/comment)?", request.path)
            ticket = self.tickets.get(int(match.group(1))) if match else None
            if match and ticket is None:
                return Reply(404, {"message": "Resource does not exist"})
            if ticket and request.method == "GET" and not match.group(2):  # type: ignore[union-attr]
                return Reply(200, {k: v for k, v in ticket.items() if k != "comments"})
            if ticket and request.method == "POST" and match.group(2):  # type: ignore[union-attr]
                if not request.headers.get("content-type", "").startswith("text/plain"):
                    return Reply(400, {"message": "Content-Type must be text/plain or application/json"})
                ticket["comments"].append(request.body.decode("utf-8"))
                return Reply(201, ["Comments added"])
        return Reply(404, {"message": "Resource does not exist"})

    def _create(self, body: dict[str, Any]) -> Reply:
        if body.get("Queue") not in QUEUES:
            return Reply(400, {"message": "Could not create ticket. Queue not set"})
        if not body.get("Subject") or body.get("ContentType") != "text/plain":
            return Reply(400, {"message": "Subject and a text/plain Content are required"})
        number = self.add(body["Subject"], body.get("Requestor", ""), body["CustomFields"]["AskIT Correlation ID"])
        self.tickets[number].update(Queue=body["Queue"], Content=body["Content"], Priority=body["Priority"])
        return Reply(201, {"id": number, "type": "ticket", "_url": f"{self.url}/REST/2.0/ticket/{number}"})

    def _search(self, query: dict[str, str]) -> Reply:
        sql, rows = query.get("query", ""), list(self.tickets.values())
        if sql.startswith(CORRELATION):
            wanted = re.fullmatch(r".* = '(.*)'", sql).group(1)  # type: ignore[union-attr]
            rows = [t for t in rows if t["CustomFields"]["AskIT Correlation ID"] == wanted]
        else:
            match = re.fullmatch(r"Requestor\.EmailAddress = '(.*)' AND Status = '__Active__'", sql)
            if match is None:
                return Reply(400, {"message": f"Invalid query: {sql}"})
            active = ("new", "open", "stalled")
            rows = [t for t in rows if t["Requestor"][0]["id"] == match.group(1) and t["Status"] in active]
        rows.sort(key=lambda t: t["LastUpdated"], reverse=query.get("order") == "DESC")
        fields = [f for f in query.get("fields", "").split(",") if f]
        items = [{"id": t["id"], "type": "ticket", **{f: t[f] for f in fields}} for t in rows]
        return Reply(200, {"count": len(items), "page": 1, "per_page": 20, "total": len(items), "items": items})
