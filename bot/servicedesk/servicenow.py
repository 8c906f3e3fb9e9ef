"""ServiceNow, through the Table API (``/api/now/table/...``).

Settings (environment):
    ASKIT_SERVICENOW_URL        the instance, e.g. https://council.service-now.com
    ASKIT_SERVICENOW_TOKEN      an OAuth bearer token, or instead
    ASKIT_SERVICENOW_USER and ASKIT_SERVICENOW_PASSWORD for basic auth
    ASKIT_SERVICENOW_GROUPS     optional JSON: AskIT resolver group -> assignment group name or sys_id

The caller is looked up in ``sys_user`` by e-mail; the AskIT correlation id goes in the incident's
own ``correlation_id`` field, which is how a retried delivery finds the incident it already made.
The desk's latest reply is the newest "Additional comments" journal entry (``sys_journal_field``,
element ``comments``; work notes are element ``work_notes`` and never read) not written by the caller
nor by the integration user, which is who writes the comments the caller adds through AskIT.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from bot.config import TOKEN, URL, Setting, kind
from bot.secret import Secret
from bot.servicedesk.base import ServiceDesk
from bot.servicedesk.errors import ConfigError, TicketNotFound
from bot.servicedesk.http import DESK_TIMEOUT, JSON_OBJECT, PASSWORD, HttpClient, Settings, field, parse_time
from bot.servicedesk.models import DeskReply, Requester, TicketRef, TicketRequest, TicketStatus
from bot.servicedesk.text import html_text

TABLE = "/api/now/table/incident"
USERS = "/api/now/table/sys_user"
JOURNAL = "/api/now/table/sys_journal_field"
USER_NAME = kind("a user name without ':' or control characters", lambda v: v.isprintable() and ":" not in v)
# P1-P4 as impact/urgency (1 high .. 3 low); ServiceNow's default lookup turns them into priority 1-4.
IMPACT_URGENCY = {"P1": ("1", "1"), "P2": ("1", "2"), "P3": ("2", "2"), "P4": ("2", "3")}
STATUS_FIELDS = "sys_id,number,short_description,state,sys_updated_on,caller_id.email,assignment_group"
REPLY_LOOKUP_FIELDS = "sys_id,caller_id.user_name"
# The journal entries the caller reads in the portal ("Additional comments"); "work_notes" are internal.
PUBLIC_JOURNAL = "comments"
# Evaluated by the instance as the user the request authenticates as: AskIT's integration user, whether
# it signs in with a password or an OAuth token (ServiceNow's dynamic filter, as in "Created by is Me").
INTEGRATION_USER = "javascript:gs.getUserName()"
# An agent may format a comment as HTML between [code] and [/code]; the rest of a journal entry is plain text.
CODE_BLOCK = re.compile(r"\[code\](.*?)\[/code\]", re.IGNORECASE | re.DOTALL)


def encoded_query_value(value: str) -> str:
    """A value inside a ServiceNow encoded query: '^' separates terms, so it is doubled."""
    return value.replace("^", "^^")


def journal_text(value: str) -> str:
    """A journal entry as plain text: HTML between [code] and [/code] loses its tags, keeps its line breaks."""

    return CODE_BLOCK.sub(lambda block: html_text(block.group(1)), value).strip()


class ServiceNowDesk(ServiceDesk):
    name = "servicenow"
    settings = (
        Setting("ASKIT_SERVICENOW_URL", URL, "the instance, e.g. https://council.service-now.com", required=True),
        Setting("ASKIT_SERVICENOW_TOKEN", TOKEN, "an OAuth bearer token (or USER and PASSWORD)", secret=True),
        Setting("ASKIT_SERVICENOW_USER", USER_NAME, "basic authentication: the integration user"),
        Setting("ASKIT_SERVICENOW_PASSWORD", PASSWORD, "basic authentication: its password", secret=True),
        Setting("ASKIT_SERVICENOW_GROUPS", JSON_OBJECT, "JSON: AskIT resolver group -> assignment group or sys_id"),
        DESK_TIMEOUT,
    )

    def __init__(self, client: HttpClient, groups: Mapping[str, str]) -> None:
        self.client, self.groups = client, dict(groups)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ServiceNowDesk:
        s = Settings(env, cls.settings, "ASKIT_SERVICENOW")
        token, url, timeout = s["TOKEN"], s["URL"], s.timeout()
        if token:
            client = HttpClient(cls.name, url, {"Authorization": Secret(f"Bearer {token.reveal()}")}, timeout=timeout)
        elif s["USER"]:
            if s["PASSWORD"] is None:
                raise ConfigError(f"{s.name('PASSWORD')}: is not set (the password of {s.name('USER')})")
            client = HttpClient(cls.name, url, auth=(s["USER"], s["PASSWORD"]), timeout=timeout)
        else:
            raise ConfigError(f"{s.name('TOKEN')} (or {s.name('USER')} and {s.name('PASSWORD')}) is not set")
        return cls(client, s["GROUPS"] or {})

    def _get(self, table: str, query: str, fields: str, limit: int = 1, display: bool = True) -> list[dict[str, Any]]:
        """Rows of a table. ``display``: references and choices by name; without it, times come in UTC
        (display values are in the integration user's time zone)."""
        params = {
            "sysparm_query": query,
            "sysparm_fields": fields,
            "sysparm_limit": str(limit),
            "sysparm_display_value": "true" if display else "false",
            "sysparm_exclude_reference_link": "true",
        }
        result = field(self.client.call("GET", table, params=params, missing=ConfigError), "result")
        return list(result)

    def _caller(self, requester: Requester) -> str | None:
        if not requester.email:
            return None
        users = self._get(USERS, f"email={encoded_query_value(requester.email)}", "sys_id")
        return str(field(users, 0, "sys_id")) if users else None

    def _url(self, sys_id: str) -> str:
        return f"{self.client.base_url}/nav_to.do?uri={quote(f'incident.do?sys_id={sys_id}', safe='')}"

    def create_ticket(self, request: TicketRequest) -> TicketRef:
        impact, urgency = IMPACT_URGENCY[request.priority]
        body = {
            "short_description": request.summary,
            "description": request.description,
            "category": request.category,
            "impact": impact,
            "urgency": urgency,
            "assignment_group": self.groups.get(request.resolver_group, request.resolver_group),
            "correlation_id": request.correlation_id,
            "correlation_display": "AskIT",
            "contact_type": "virtual_agent",
        }
        caller = self._caller(request.requester)
        if caller:
            body["caller_id"] = caller
        else:  # no account in ServiceNow: keep who asked in the ticket itself
            who = request.requester.email or request.requester.id
            body["description"] = f"Requester (no ServiceNow account found): {who}\n\n{request.description}"
        params = {"sysparm_input_display_value": "true"}  # group by name, as the desk's staff know it
        created = self.client.call("POST", TABLE, json_body=body, params=params, missing=ConfigError)
        result = field(created, "result")
        return TicketRef(ref=str(field(result, "number")), url=self._url(str(field(result, "sys_id"))))

    def find_by_correlation(self, correlation_id: str) -> TicketRef | None:
        rows = self._get(TABLE, f"correlation_id={encoded_query_value(correlation_id)}", "sys_id,number")
        if not rows:
            return None
        return TicketRef(ref=str(field(rows, 0, "number")), url=self._url(str(field(rows, 0, "sys_id"))))

    def _status(self, row: Mapping[str, Any]) -> TicketStatus:
        return TicketStatus(
            ref=str(field(row, "number")),
            summary=str(row.get("short_description") or ""),
            status=str(row.get("state") or "").lower(),
            requester_id=str(row.get("caller_id.email") or ""),
            updated_at=parse_time(row.get("sys_updated_on")),
            url=self._url(str(field(row, "sys_id"))),
            group=str(row.get("assignment_group") or "") or None,
        )

    def _row(self, ref: str, fields: str = STATUS_FIELDS) -> dict[str, Any]:
        rows = self._get(TABLE, f"number={encoded_query_value(ref)}", fields)
        if not rows:
            raise TicketNotFound(f"servicenow: no incident {ref}")
        return rows[0]

    def get_status(self, ref: str) -> TicketStatus:
        return self._status(self._row(ref))

    def list_open(self, requester: Requester) -> list[TicketStatus]:
        if not requester.email:
            return []
        query = f"caller_id.email={encoded_query_value(requester.email)}^active=true^ORDERBYDESCsys_updated_on"
        return [self._status(row) for row in self._get(TABLE, query, STATUS_FIELDS, limit=20)]

    def add_comment(self, ref: str, text: str) -> None:
        sys_id = str(field(self._row(ref), "sys_id"))
        self.client.call("PATCH", f"{TABLE}/{sys_id}", json_body={"comments": text})

    def latest_reply(self, ref: str) -> DeskReply | None:
        incident = self._row(ref, REPLY_LOOKUP_FIELDS)
        terms = [
            f"element_id={encoded_query_value(str(field(incident, 'sys_id')))}",
            f"element={PUBLIC_JOURNAL}",
            f"sys_created_by!={INTEGRATION_USER}",  # what the caller added through AskIT
        ]
        caller = str(incident.get("caller_id.user_name") or "")
        if caller:  # what the caller wrote in the portal or by e-mail
            terms.append(f"sys_created_by!={encoded_query_value(caller)}")
        query = "^".join([*terms, "ORDERBYDESCsys_created_on"])
        rows = self._get(JOURNAL, query, "value,sys_created_on", display=False)
        if not rows:
            return None
        created = rows[0].get("sys_created_on")
        return DeskReply(journal_text(str(field(rows, 0, "value"))), parse_time(created) if created else None)
