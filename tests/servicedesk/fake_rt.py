"""Request Tracker 5's REST2 on loopback, for the failure matrix (the real RT runs in
test_rt_integration.py): token auth, ticket create/read/search/comment, the transaction search and a
transaction's message parts that the latest reply is read from, ``{"message": ...}`` errors.

Every ticket keeps its history as RT does: a Create transaction, then Correspond (a reply, by an agent
or by the requester) and Comment (an internal note) transactions, each with its message parts."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from tests.servicedesk.fakedesk import FakeDesk, Reply, Seen

TOKEN = "1-77-rt-token-not-for-logs"
QUEUES = {"network", "service-desk", "end-user-computing", "major-incident"}
CORRELATION = "CF.{AskIT Correlation ID}"
ASKIT = "askit"  # the user the token belongs to
AGENT = "agent.smith"
CLOCK = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone.utc)  # transaction n is made n minutes after this
QUOTED = r"'((?:[^'\\]|\\.)*)'"  # a TicketSQL string, backslash escapes and all
TRANSACTION_QUERY = re.compile(
    rf"ObjectType = 'RT::Ticket' AND ObjectId = (\d+) AND Type = {QUOTED}((?: AND Creator != {QUOTED})*)"
)


class FakeRT(FakeDesk):
    def __init__(self) -> None:
        super().__init__()
        self.tickets: dict[int, dict[str, Any]] = {}
        self.transactions: dict[int, dict[str, Any]] = {}
        self.attachments = 0  # the last attachment id given out

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
        self._transaction(number, "Create", ASKIT, [{"ContentType": "text/plain", "Content": subject}])
        return number

    def reply(
        self,
        number: int,
        text: str,
        by: str = AGENT,
        html: bool = False,
        at: str | None = None,
        files: dict[str, str] | None = None,
    ) -> int:
        """A Correspond on the ticket: an agent's reply, or (``by`` the requestor) the requester's own;
        ``files`` are attached text files (name -> content) after the body."""
        parts = [{"ContentType": "text/html" if html else "text/plain", "Content": text}]
        parts += [
            {"ContentType": "text/plain", "Filename": name, "Content": body} for name, body in (files or {}).items()
        ]
        return self._transaction(number, "Correspond", by, parts, at)

    def comment(self, number: int, text: str, by: str = AGENT, at: str | None = None) -> int:
        """An internal note on the ticket, which the requester never sees."""
        return self._transaction(number, "Comment", by, [{"ContentType": "text/plain", "Content": text}], at)

    def _transaction(self, number: int, kind: str, by: str, parts: list[dict[str, str]], at: str | None = None) -> int:
        with self.lock:  # tests add replies while the server may be answering
            txn = len(self.transactions) + 1
            attachments = []
            for part in parts:
                self.attachments += 1
                attachments.append({"id": str(self.attachments), "Filename": "", **part})
            self.transactions[txn] = {
                "id": str(txn),
                "ObjectId": number,
                "Type": kind,
                "Creator": {"type": "user", "id": by},
                "Created": at or (CLOCK + dt.timedelta(minutes=txn)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "attachments": attachments,
            }
            return txn

    def handle(self, request: Seen) -> Reply:
        if request.headers.get("authorization") != f"token {TOKEN}":
            return Reply(401, {"message": "Unauthorized"})
        with self.lock:
            if request.method == "POST" and request.path == "/REST/2.0/ticket":
                return self._create(request.json())
            if request.method == "GET" and request.path == "/REST/2.0/tickets":
                return self._search(request.query)
            if request.method == "GET" and request.path == "/REST/2.0/transactions":
                return self._transactions(request.query)
            parts = re.fullmatch(r"/REST/2.0/transaction/(\d+)/attachments", request.path)
            if request.method == "GET" and parts:
                return self._parts(int(parts.group(1)), request.query)
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
                self.comment(ticket["id"], request.body.decode("utf-8"), by=ASKIT)
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

    def _transactions(self, query: dict[str, str]) -> Reply:
        """TransactionSQL, as the adapter asks it: one ticket's transactions of one type, not by some users."""
        match = TRANSACTION_QUERY.fullmatch(query.get("query", ""))
        if match is None:
            return Reply(400, {"message": f"Invalid query: {query.get('query')}"})
        number, kind = int(match.group(1)), unescape(match.group(2))
        excluded = {unescape(name) for name in re.findall(QUOTED, match.group(3))}
        rows = [
            t
            for t in self.transactions.values()
            if t["ObjectId"] == number and t["Type"] == kind and t["Creator"]["id"] not in excluded
        ]
        if query.get("orderby") == "id":
            rows.sort(key=lambda t: int(t["id"]), reverse=query.get("order") == "DESC")
        return self._page(rows, query, "transaction")

    def _parts(self, txn: int, query: dict[str, str]) -> Reply:
        """A transaction's message parts (RT answers an unknown transaction with none), with a JSON search
        whose conditions on one field are ORed, as RT does."""
        rows = list(self.transactions[txn]["attachments"]) if txn in self.transactions else []
        if query.get("query"):
            wanted: dict[str, set[str]] = {}
            for condition in json.loads(query["query"]):
                wanted.setdefault(condition["field"], set()).add(condition["value"])
            rows = [row for row in rows if all(row.get(f) in values for f, values in wanted.items())]
        return self._page(rows, query, "attachment")

    def _page(self, rows: list[dict[str, Any]], query: dict[str, str], kind: str) -> Reply:
        """One page of a collection, with the ``fields`` asked for; ``total`` is null, as RT 5.0.3 sends it."""
        per_page = int(query.get("per_page") or 20)
        fields = [f for f in query.get("fields", "").split(",") if f]
        items = [{"id": row["id"], "type": kind, **{f: row.get(f, "") for f in fields}} for row in rows[:per_page]]
        return Reply(200, {"count": len(items), "page": 1, "per_page": per_page, "total": None, "items": items})


def unescape(quoted: str) -> str:
    """A TicketSQL string's value, its backslash escapes undone."""
    return re.sub(r"\\(.)", r"\1", quoted)
