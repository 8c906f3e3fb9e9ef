"""A Jira Service Management site on loopback, Cloud or Data Center: the servicedeskapi request and comment
resources (comments paged as the servicedeskapi pages: ``start``, ``limit`` capped by the server, ``size`` and
``isLastPage``, oldest first), ``myself``, user search, and JQL search for the clauses AskIT writes. Tests add the
desk's side of a request's comments with ``add_reply`` (public, by an agent) and ``add_internal_note``, and the
customer's with ``add_customer_comment``. Errors come in Jira's two shapes:
``{"errorMessage", "i18nErrorMessage": {"i18nKey", "parameters"}}`` from the servicedeskapi and
``{"errorMessages": [...], "errors": {}}`` from the platform API (/rest/api/2)."""

from __future__ import annotations

import base64
import datetime as dt
import itertools
import re
from typing import Any

from tests.servicedesk.fakedesk import FakeDesk, Reply, Seen

EMAIL, API_TOKEN, PAT = "askit@northbrook.example", "jira-api-token-not-for-logs", "jira-pat-not-for-logs"
SERVICE_DESK_ID, PROJECT = "4", "ITS"
REQUEST_TYPES, PRIORITIES = {"11", "12"}, {"Highest", "High", "Medium", "Low"}
USERS = [
    {"accountId": "5b10ac8d82e05b22cc7d4ef5", "name": "alice", "emailAddress": "alice@northbrook.example"},
    {"accountId": "5b10a2844c20165700ede21g", "name": "bob", "emailAddress": "bob@northbrook.example"},
]
NOT_CREATED = "Your request could not be created. Please check the fields have been correctly filled in."
INTEGRATION = {"accountId": "557058:askit", "name": "askit", "emailAddress": EMAIL}
AGENT = {"accountId": "5b10a0effa615349cb016cd8", "name": "dana", "emailAddress": "dana@northbrook.example"}
MAX_COMMENT_LIMIT = 50  # the server's own page cap: a larger ``limit`` is answered with this many
START = dt.datetime(2026, 11, 22, 10, 0, tzinfo=dt.timezone.utc)
CATEGORY = {"Waiting for support": "new", "In progress": "indeterminate", "Resolved": "done", "Closed": "done"}
CLAUSE = re.compile(r'(text ~|reporter =|project =) ("(?:[^"\\]|\\.)*")|statusCategory != Done')


def desk_error(status: int, message: str) -> Reply:
    return Reply(status, {"errorMessage": message, "i18nErrorMessage": {"i18nKey": "sd.error", "parameters": []}})


def platform_error(status: int, message: str) -> Reply:
    return Reply(status, {"errorMessages": [message], "errors": {}})


def unquote(jql: str) -> str:
    return re.sub(r"\\(.)", r"\1", jql[1:-1])


def moment(minute: int) -> dt.datetime:
    return START + dt.timedelta(minutes=minute)


def when(minute: int) -> dict[str, Any]:
    """A time as the servicedeskapi writes one (a DateDTO)."""
    at = moment(minute)
    return {
        "iso8601": at.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "jira": at.strftime("%Y-%m-%dT%H:%M:%S.000%z"),
        "friendly": at.strftime("%d/%b/%y %I:%M %p"),
        "epochMillis": int(at.timestamp() * 1000),
    }


class FakeJiraSM(FakeDesk):
    def __init__(self, cloud: bool = True) -> None:
        super().__init__()
        self.cloud = cloud
        self.requests: list[dict[str, Any]] = []
        self.max_limit = MAX_COMMENT_LIMIT
        self._numbers = itertools.count(101)
        self._comment_ids = itertools.count(10001)
        self._clock = itertools.count(100)  # comments' times, in minutes after START: later than any request's

    def error_body(self, status: int) -> Any:
        return {"errorMessage": f"fake {status}", "i18nErrorMessage": {"i18nKey": "sd.fake", "parameters": []}}

    def _user_id(self, user: dict[str, str]) -> str:
        return user["accountId"] if self.cloud else user["name"]

    def _reporter(self, user: dict[str, str]) -> dict[str, str]:
        """A user as this deployment shows one: Cloud has accountIds, Data Center usernames."""
        return {k: v for k, v in user.items() if k != ("name" if self.cloud else "accountId")}

    def add_request(self, email: str, summary: str, status: str = "Waiting for support", description: str = "") -> Any:
        request = {
            "issueKey": f"{PROJECT}-{next(self._numbers)}",
            "summary": summary,
            "description": description or summary,
            "status": status,
            "reporter": next((u for u in USERS if u["emailAddress"] == email), INTEGRATION),
            "minute": len(self.requests),
            "comments": [],
        }
        self.requests.append(request)
        return request

    def _request_by_key(self, key: str) -> dict[str, Any]:
        return next(r for r in self.requests if r["issueKey"] == key)

    def add_comment(self, key: str, body: str, author: dict[str, str], public: bool = True) -> dict[str, Any]:
        """A comment made now (each one a minute after the last), as it is kept: the user in full."""
        comment = {
            "id": str(next(self._comment_ids)),
            "key": key,
            "body": body,
            "public": public,
            "author": author,
            "minute": next(self._clock),
        }
        self._request_by_key(key)["comments"].append(comment)
        return comment

    def add_reply(self, key: str, body: str) -> dict[str, Any]:
        """An agent's public reply: what the customer reads in the portal."""
        return self.add_comment(key, body, AGENT)

    def add_internal_note(self, key: str, body: str) -> dict[str, Any]:
        """An agent's internal comment: never shown to the customer."""
        return self.add_comment(key, body, AGENT, public=False)

    def add_customer_comment(self, key: str, body: str) -> dict[str, Any]:
        """The reporter's own comment, from the portal or by e-mail."""
        request = self._request_by_key(key)
        return self.add_comment(key, body, request["reporter"])

    def _authorised(self, request: Seen) -> bool:
        if self.cloud:
            basic = "Basic " + base64.b64encode(f"{EMAIL}:{API_TOKEN}".encode()).decode()
            return request.headers.get("authorization") == basic
        return request.headers.get("authorization") == f"Bearer {PAT}"

    def handle(self, request: Seen) -> Reply:
        path = request.path
        if not self._authorised(request):
            if path.startswith("/rest/servicedeskapi"):
                return desk_error(401, "You are not authenticated. Authentication required to perform this operation.")
            return platform_error(401, "You are not authenticated. Authentication required to perform this operation.")
        with self.lock:
            if request.method == "GET" and path == "/rest/api/2/user/search":
                return self._users(request)
            if request.method == "GET" and path == "/rest/api/2/myself":
                return Reply(200, {**self._user_dto(INTEGRATION), "self": f"{self.url}/rest/api/2/myself"})
            if request.method == "GET" and path in ("/rest/api/2/search", "/rest/api/2/search/jql"):
                if self.cloud != path.endswith("/jql"):
                    return platform_error(410 if self.cloud else 404, f"The requested API {path} is not here.")
                return self._search(request)
            if request.method == "POST" and path == "/rest/servicedeskapi/request":
                return self._create(request)
            match = re.fullmatch(r"/rest/servicedeskapi/request/([A-Z]+-\d+)(/comment)?", path)
            found = next((r for r in self.requests if match and r["issueKey"] == match.group(1)), None)
            if match and found is None:
                return desk_error(404, "The request does not exist or you do not have permission to see it.")
            if match and found and request.method == "GET" and not match.group(2):
                return Reply(200, self._dto(found))
            if match and found and request.method == "POST" and match.group(2):
                return self._comment(found, request)
            if match and found and request.method == "GET" and match.group(2):
                return self._comments(found, request)
        return platform_error(404, f"No resource for {request.method} {path}")

    def _users(self, request: Seen) -> Reply:
        wanted = request.query.get("query" if self.cloud else "username", "").lower()
        if not wanted:
            return platform_error(400, "The query parameter 'query' or 'username' is required.")
        users = [u for u in USERS if u["emailAddress"].startswith(wanted) or u["name"].startswith(wanted)]
        return Reply(200, [{**u, "displayName": u["name"].title(), "active": True} for u in users])

    def _dto(self, r: dict[str, Any]) -> dict[str, Any]:
        return {
            "issueId": r["issueKey"].split("-")[1],
            "issueKey": r["issueKey"],
            "serviceDeskId": SERVICE_DESK_ID,
            "createdDate": when(r["minute"]),
            "reporter": self._user_dto(r["reporter"]),
            "requestFieldValues": [
                {"fieldId": "summary", "label": "Summary", "value": r["summary"]},
                {"fieldId": "description", "label": "Description", "value": r["description"]},
            ],
            "currentStatus": {
                "status": r["status"],
                "statusCategory": CATEGORY[r["status"]].upper(),
                "statusDate": when(r["minute"]),
            },
            "_links": {
                "web": f"{self.url}/servicedesk/customer/portal/2/{r['issueKey']}",
                "self": f"{self.url}/rest/servicedeskapi/request/{r['issueKey']}",
            },
        }

    def _create(self, request: Seen) -> Reply:
        if not request.headers.get("content-type", "").startswith("application/json"):
            return desk_error(415, "Unsupported Media Type")
        body = request.json()
        values = body.get("requestFieldValues") or {}
        if body.get("serviceDeskId") != SERVICE_DESK_ID:
            return desk_error(404, f"The service desk {body.get('serviceDeskId')} does not exist.")
        if body.get("requestTypeId") not in REQUEST_TYPES:
            return desk_error(400, "The request type you are trying to use does not exist.")
        if not values.get("summary"):
            return desk_error(400, f"{NOT_CREATED} Summary is required.")
        priority = values.get("priority")
        if priority is not None and (not isinstance(priority, dict) or priority.get("name") not in PRIORITIES):
            return desk_error(400, f"{NOT_CREATED} Priority: invalid value.")
        on_behalf = body.get("raiseOnBehalfOf")
        users = [u for u in USERS if on_behalf is not None and self._user_id(u) == on_behalf]
        if on_behalf is not None and not users:
            return desk_error(400, f"The user '{on_behalf}' does not exist or is not a customer of this service desk.")
        email = users[0]["emailAddress"] if users else EMAIL
        created = self.add_request(email, values["summary"], description=str(values.get("description") or ""))
        return Reply(201, self._dto(created))

    def _user_dto(self, user: dict[str, str]) -> dict[str, Any]:
        """A user as the servicedeskapi shows one (a UserDTO); Data Center also has a key."""
        shown: dict[str, Any] = {**self._reporter(user), "displayName": user["name"].title(), "active": True}
        if not self.cloud:
            shown["key"] = f"JIRAUSER{10000 + sum(map(ord, user['name']))}"
        return shown

    def _comment_dto(self, comment: dict[str, Any]) -> dict[str, Any]:
        return {
            "_expands": ["attachment", "renderedBody"],
            "id": comment["id"],
            "body": comment["body"],
            "public": comment["public"],
            "author": self._user_dto(comment["author"]),
            "created": when(comment["minute"]),
            "_links": {"self": f"{self.url}/rest/servicedeskapi/request/{comment['key']}/comment/{comment['id']}"},
        }

    def _comment(self, found: dict[str, Any], request: Seen) -> Reply:
        body = request.json()
        if not isinstance(body.get("body"), str) or not body["body"] or not isinstance(body.get("public"), bool):
            return desk_error(400, "The comment body is required.")
        # the integration account posts it, whoever it is for
        comment = self.add_comment(found["issueKey"], body["body"], INTEGRATION, public=body["public"])
        return Reply(201, self._comment_dto(comment))

    def _comments(self, found: dict[str, Any], request: Seen) -> Reply:
        """One page of the request's comments, oldest first, as an agent sees them: ``public`` and ``internal``
        (both true by default) choose which kinds; ``limit`` is capped at the server's own maximum."""
        flags = {name: request.query.get(name, "true") for name in ("public", "internal")}
        numbers = {name: request.query.get(name, default) for name, default in (("start", "0"), ("limit", "50"))}
        bad = [f"{n}={v}" for n, v in flags.items() if v not in ("true", "false")]
        bad += [f"{n}={v}" for n, v in numbers.items() if not v.isdigit()]
        if bad:
            return desk_error(400, f"Invalid query parameters: {', '.join(bad)}.")
        wanted = {True: flags["public"] == "true", False: flags["internal"] == "true"}
        start, limit = int(numbers["start"]), min(int(numbers["limit"]), self.max_limit)
        chosen = [c for c in found["comments"] if wanted[c["public"]]]
        page = chosen[start : start + limit]
        base = f"{self.url}/rest/servicedeskapi/request/{found['issueKey']}/comment"
        links = {"base": self.url, "context": "", "self": base}
        if start + limit < len(chosen):
            links["next"] = f"{base}?start={start + limit}&limit={limit}"
        return Reply(
            200,
            {
                "_expands": [],
                "size": len(page),
                "start": start,
                "limit": limit,
                "isLastPage": start + len(page) >= len(chosen),
                "_links": links,
                "values": [self._comment_dto(c) for c in page],
            },
        )

    def _search(self, request: Seen) -> Reply:
        jql = request.query.get("jql", "")
        where, _, order = jql.partition(" ORDER BY ")
        if order != "created DESC":
            return platform_error(400, f"Error in the JQL Query: unsupported ordering '{order}'.")
        found = list(self.requests)
        for clause in where.split(" AND "):
            match = CLAUSE.fullmatch(clause)
            if not match:
                return platform_error(400, f"Error in the JQL Query: '{clause}' is not understood.")
            kind, value = match.group(1), unquote(match.group(2)) if match.group(2) else ""
            if kind == "text ~":
                phrase = value.strip('"')
                found = [r for r in found if phrase in r["summary"] or phrase in r["description"]]
            elif kind == "reporter =":
                found = [r for r in found if self._user_id(r["reporter"]) == value]
            elif kind == "project =":
                found = [r for r in found if r["issueKey"].startswith(f"{value}-")]
            else:
                found = [r for r in found if CATEGORY[r["status"]] != "done"]
        found = sorted(found, key=lambda r: r["minute"], reverse=True)[: int(request.query.get("maxResults", "50"))]
        issues = [{"id": r["issueKey"].split("-")[1], "key": r["issueKey"], "fields": self._fields(r)} for r in found]
        if self.cloud:
            return Reply(200, {"issues": issues, "isLast": True})
        return Reply(200, {"startAt": 0, "maxResults": 50, "total": len(issues), "issues": issues})

    def _fields(self, r: dict[str, Any]) -> dict[str, Any]:
        status = {"name": r["status"], "statusCategory": {"key": CATEGORY[r["status"]]}}
        updated = f"2026-11-22T10:{r['minute']:02d}:00.000+0000"
        return {
            "summary": r["summary"],
            "description": r["description"],
            "status": status,
            "reporter": self._reporter(r["reporter"]),
            "updated": updated,
        }
