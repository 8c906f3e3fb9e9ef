"""Jira Service Management, Cloud or Data Center, through the servicedeskapi and the Jira platform REST API (v2).

Settings (environment):
    ASKIT_JIRA_URL               the site, e.g. https://council.atlassian.net or https://jira.council.example
    ASKIT_JIRA_EMAIL and ASKIT_JIRA_API_TOKEN   Cloud: an Atlassian account and its API token (basic auth), or
    ASKIT_JIRA_PAT               Data Center: a personal access token (bearer)
    ASKIT_JIRA_SERVICE_DESK_ID   the service desk that requests are raised in
    ASKIT_JIRA_REQUEST_TYPE      the request type ID used when a resolver group has none of its own
    ASKIT_JIRA_REQUEST_TYPES     optional JSON: AskIT resolver group -> request type ID
    ASKIT_JIRA_PRIORITIES        optional JSON: P1-P4 -> priority name (only if Priority is on the request types)
    ASKIT_JIRA_PROJECT           optional project key: searches look only there

The customer is found by e-mail with ``/rest/api/2/user/search`` and the request is raised on their behalf
(``raiseOnBehalfOf``: the accountId on Cloud, the username on Data Center). The servicedeskapi takes no idempotency
key, so the description ends with "AskIT reference: <correlation id>"; ``find_by_correlation`` finds it with a JQL
phrase search (``text ~ "\\"<id>\\""``) and confirms it in the description. Cloud searches with
``/rest/api/2/search/jql`` (``/rest/api/2/search`` is gone there), Data Center with ``/rest/api/2/search``.

The latest reply is the newest public comment from ``/rest/servicedeskapi/request/{key}/comment`` written by neither
the reporter nor the integration account (``/rest/api/2/myself``): AskIT posts the requester's own comments as that
account, so its comments are the requester's words, not the desk's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from bot.config import EMAIL, TOKEN, URL, Setting, matching
from bot.secret import Secret
from bot.servicedesk.base import ServiceDesk
from bot.servicedesk.errors import ConfigError, Unsupported
from bot.servicedesk.http import (
    DESK_TIMEOUT,
    JSON_OBJECT,
    NUMERIC_ID,
    HttpClient,
    Settings,
    field,
    parse_time,
)
from bot.servicedesk.models import DeskReply, Requester, TicketRef, TicketRequest, TicketStatus

REQUESTS = "/rest/servicedeskapi/request"
USERS = "/rest/api/2/user/search"
MYSELF = "/rest/api/2/myself"
SEARCH = {True: "/rest/api/2/search/jql", False: "/rest/api/2/search"}  # by "is Cloud"
FIELDS = "summary,status,reporter,updated,description"
# The comment resource pages oldest first and says neither how many comments there are nor where the last page
# starts (``size`` is the count on *this* page), so the newest reply is found by paging to ``isLastPage``. The
# server may answer with a smaller ``limit`` than asked, so the next page starts after what it actually sent.
COMMENT_PAGE = 50  # the resource's default page size, which every deployment accepts
MAX_COMMENT_PAGES = 20  # 1,000 public comments: far past any real request, and a bound on the calls per look-up
PROJECT_KEY = matching(r"[A-Z][A-Z0-9_]+", "a project key such as ITS")


def jql_string(value: str) -> str:
    """``value`` as a quoted JQL string."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def reference_line(correlation_id: str) -> str:
    return f"AskIT reference: {correlation_id}"


class JiraSmDesk(ServiceDesk):
    name = "jira_sm"
    settings = (
        Setting("ASKIT_JIRA_URL", URL, "the site, e.g. https://council.atlassian.net", required=True),
        Setting("ASKIT_JIRA_EMAIL", EMAIL, "Cloud: the Atlassian account (with ASKIT_JIRA_API_TOKEN)"),
        Setting("ASKIT_JIRA_API_TOKEN", TOKEN, "Cloud: the account's API token", secret=True),
        Setting("ASKIT_JIRA_PAT", TOKEN, "Data Center: a personal access token", secret=True),
        Setting("ASKIT_JIRA_SERVICE_DESK_ID", NUMERIC_ID, "the service desk requests are raised in", required=True),
        Setting("ASKIT_JIRA_REQUEST_TYPE", NUMERIC_ID, "the request type ID used by default", required=True),
        Setting("ASKIT_JIRA_REQUEST_TYPES", JSON_OBJECT, "JSON: AskIT resolver group -> request type ID"),
        Setting("ASKIT_JIRA_PRIORITIES", JSON_OBJECT, "JSON: P1-P4 -> priority name"),
        Setting("ASKIT_JIRA_PROJECT", PROJECT_KEY, "a project key: searches look only there"),
        DESK_TIMEOUT,
    )

    def __init__(
        self,
        client: HttpClient,
        cloud: bool,
        service_desk_id: str,
        request_type: str,
        request_types: Mapping[str, str],
        priorities: Mapping[str, str],
        project: str | None = None,
    ) -> None:
        self.client, self.cloud, self.service_desk_id = client, cloud, service_desk_id
        self.request_type, self.request_types, self.priorities = request_type, dict(request_types), dict(priorities)
        self.project = project
        self._myself: str | None = None  # the integration account, as _who names it; looked up once

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> JiraSmDesk:
        s = Settings(env, cls.settings, "ASKIT_JIRA")
        url, timeout = s["URL"], s.timeout()
        headers: dict[str, str | Secret] = {"Accept": "application/json"}
        if s["EMAIL"]:
            if s["API_TOKEN"] is None:
                raise ConfigError(f"{s.name('API_TOKEN')}: is not set (the API token of {s.name('EMAIL')})")
            client = HttpClient(cls.name, url, headers, auth=(s["EMAIL"], s["API_TOKEN"]), timeout=timeout)
        elif s["PAT"]:
            headers["Authorization"] = Secret(f"Bearer {s['PAT'].reveal()}")
            client = HttpClient(cls.name, url, headers, timeout=timeout)
        else:
            raise ConfigError(f"{s.name('EMAIL')} and {s.name('API_TOKEN')} (or {s.name('PAT')}) are not set")
        mappings = (s["REQUEST_TYPES"] or {}, s["PRIORITIES"] or {})
        ids = (s["SERVICE_DESK_ID"], s["REQUEST_TYPE"])
        return cls(client, bool(s["EMAIL"]), *ids, *mappings, project=s["PROJECT"])

    def _user(self, email: str | None) -> str | None:
        """The customer's accountId (Cloud) or username (Data Center), looked up by e-mail."""
        if not email:
            return None
        query = {"query": email} if self.cloud else {"username": email}
        found = self.client.call("GET", USERS, params={**query, "maxResults": "10"}, missing=ConfigError)
        users = [u for u in found or [] if isinstance(u, Mapping)]
        same = [u for u in users if str(u.get("emailAddress") or "").lower() == email.lower()]
        user = same[0] if same else users[0] if len(users) == 1 else None
        return str(field(user, "accountId" if self.cloud else "name")) if user else None

    def _who(self, user: Mapping[str, Any]) -> str:
        """A user the same way on every record: the accountId on Cloud; on Data Center the key, which survives a
        rename (else the username)."""
        return str((user.get("accountId") if self.cloud else user.get("key") or user.get("name")) or "")

    def _me(self) -> str:
        if self._myself is None:
            self._myself = self._who(self.client.call("GET", MYSELF, missing=ConfigError) or {})
        return self._myself

    def _search(self, clauses: list[str], limit: int) -> list[dict[str, Any]]:
        if self.project:
            clauses = [f"project = {jql_string(self.project)}", *clauses]
        params = {"jql": f"{' AND '.join(clauses)} ORDER BY created DESC", "fields": FIELDS, "maxResults": str(limit)}
        found = self.client.call("GET", SEARCH[self.cloud], params=params, missing=ConfigError)
        return list(field(found, "issues"))

    def _request(self, key: str) -> Any:
        return self.client.call("GET", f"{REQUESTS}/{quote(key, safe='')}")

    def _ref(self, request: Mapping[str, Any]) -> TicketRef:
        return TicketRef(ref=str(field(request, "issueKey")), url=(request.get("_links") or {}).get("web"))

    def create_ticket(self, request: TicketRequest) -> TicketRef:
        description = f"{request.description}\n\n{reference_line(request.correlation_id)}"
        values: dict[str, Any] = {"summary": request.summary}
        if request.priority in self.priorities:
            values["priority"] = {"name": self.priorities[request.priority]}
        body: dict[str, Any] = {
            "serviceDeskId": self.service_desk_id,
            "requestTypeId": self.request_types.get(request.resolver_group, self.request_type),
            "requestFieldValues": values,
        }
        customer = self._user(request.requester.email)
        if customer:
            body["raiseOnBehalfOf"] = customer
        else:  # no Jira account: keep who asked in the request itself
            who = request.requester.email or request.requester.id
            description = f"Requester (no Jira account found): {who}\n\n{description}"
        values["description"] = description
        return self._ref(self.client.call("POST", REQUESTS, json_body=body, missing=ConfigError))

    def find_by_correlation(self, correlation_id: str) -> TicketRef | None:
        phrase = jql_string(f'"{correlation_id}"')
        for issue in self._search([f"text ~ {phrase}"], 5):
            description = str((issue.get("fields") or {}).get("description") or "")
            if reference_line(correlation_id) in description.splitlines():
                return self._ref(self._request(str(field(issue, "key"))))
        return None

    def get_status(self, ref: str) -> TicketStatus:
        request = self._request(ref)
        key = str(field(request, "issueKey"))
        values = {str(v.get("fieldId")): v.get("value") for v in request.get("requestFieldValues") or []}
        reporter, current = request.get("reporter") or {}, request.get("currentStatus") or {}
        return TicketStatus(
            ref=key,
            summary=str(values.get("summary") or ""),
            status=str(current.get("status") or "").lower(),
            requester_id=str(reporter.get("emailAddress") or reporter.get("accountId") or reporter.get("name") or ""),
            updated_at=parse_time(current.get("statusDate") or request.get("createdDate")),
            url=(request.get("_links") or {}).get("web"),
        )

    def list_open(self, requester: Requester) -> list[TicketStatus]:
        customer = self._user(requester.email)
        if not customer:
            return []
        found = self._search([f"reporter = {jql_string(customer)}", "statusCategory != Done"], 20)
        return [self._listed(issue, requester) for issue in found]

    def _listed(self, issue: Mapping[str, Any], requester: Requester) -> TicketStatus:
        key, fields = str(field(issue, "key")), issue.get("fields") or {}
        return TicketStatus(
            ref=key,
            summary=str(fields.get("summary") or ""),
            status=str((fields.get("status") or {}).get("name") or "").lower(),
            requester_id=str((fields.get("reporter") or {}).get("emailAddress") or requester.email or ""),
            updated_at=parse_time(fields.get("updated")),
            url=f"{self.client.base_url}/browse/{key}",
        )

    def add_comment(self, ref: str, text: str) -> None:
        self.client.call("POST", f"{REQUESTS}/{quote(ref, safe='')}/comment", json_body={"body": text, "public": True})

    def latest_reply(self, ref: str) -> DeskReply | None:
        request = self._request(ref)  # TicketNotFound for an unknown key, and the reporter to leave out
        key = str(field(request, "issueKey"))
        # the requester's own words: what they wrote in the portal or by e-mail, and what AskIT posted for them
        theirs = {self._who(request.get("reporter") or {}), self._me()} - {""}
        newest: Mapping[str, Any] | None = None
        start = 0
        for _ in range(MAX_COMMENT_PAGES):
            params = {"public": "true", "internal": "false", "start": str(start), "limit": str(COMMENT_PAGE)}
            page = self.client.call("GET", f"{REQUESTS}/{quote(key, safe='')}/comment", params=params)
            comments = [c for c in field(page, "values") if isinstance(c, Mapping)]
            for comment in comments:
                # public is asked for, and checked again: an internal note must never reach the requester
                if comment.get("public") is not True or self._who(comment.get("author") or {}) in theirs:
                    continue
                if newest is None or _at(comment) >= _at(newest):
                    newest = comment
            if field(page, "isLastPage") or not comments:
                break
            start += len(comments)
        else:
            raise Unsupported(f"jira_sm: {key} has more than {MAX_COMMENT_PAGES} pages of public comments")
        if newest is None:
            return None
        created = newest.get("created")
        return DeskReply(text=str(newest.get("body") or "").strip(), at=parse_time(created) if created else None)


def _at(comment: Mapping[str, Any]) -> dt.datetime:
    """When a comment was made, for ordering (the resource lists oldest first; a tie keeps the later one)."""
    return parse_time(comment.get("created"))
