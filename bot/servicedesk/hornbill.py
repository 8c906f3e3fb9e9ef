"""Hornbill Service Manager, through the XMLMC API with JSON payloads.

Settings (environment):
    ASKIT_HORNBILL_INSTANCE       the instance name, as in https://live.hornbill.com/<instance>/
    ASKIT_HORNBILL_API_KEY        an API key of the integration account (``Authorization: ESP-APIKEY <key>``)
    ASKIT_HORNBILL_ZONEINFO_URL   optional: where the instance's endpoint is looked up (https://files.hornbill.com)
    ASKIT_HORNBILL_CUSTOMER_ID    optional: "email" (default) or "id", the AskIT value that is the Hornbill user ID
    ASKIT_HORNBILL_GROUPS         optional JSON: AskIT resolver group -> Hornbill team ID
    ASKIT_HORNBILL_PRIORITIES     optional JSON: P1-P4 -> Hornbill priority ID
    ASKIT_HORNBILL_CATEGORIES     optional JSON: AskIT category -> Hornbill request category ID

The endpoint is read once from ``<zoneinfo>/instances/<instance>/zoneinfo``. Incidents are logged with
``Incidents::logIncident``; the correlation id goes in the request's external reference (``h_external_ref_number``,
set through ``questionFieldMap``) and at the foot of the description, and ``find_by_correlation`` looks that
column up with ``data::entityBrowseRecords2``. XMLMC reports most failures in an HTTP 200 answer (``@status:
false``, or a flowcode ``exceptionName``); they become typed errors here.

The desk's latest reply is read from the request's timeline (its activity stream): the record's
``h_activity_stream_id``, an access token from ``data::entityGetActivityStreamAccessToken``, then
``activity::activityStreamQuery``. Of its posts, a reply is one the customer can see (visibility ``public`` or
``trustedGuest``) that is not a system entry, not the customer's own and not a comment AskIT relayed (those
carry ``ASKIT_EXTRA`` in the post's ``extra``). Only the token call is documented by Hornbill. The query,
``h_activity_stream_id`` and the posts' ``content`` and ``published`` come from public client code; the posts'
``visibility``, ``type`` and ``extra`` are assumed to echo the parameters of the same names that posting takes
(updateReqTimeline, activity::postMessage), and ``actor`` (its ``id``) to name the poster. docs/servicedesk.md
lists these as checks before go-live; a post whose visibility cannot be read is never shown.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from bot.config import TOKEN, URL, Setting, choice, matching
from bot.secret import Secret, redact
from bot.servicedesk.base import ServiceDesk
from bot.servicedesk.errors import AuthenticationFailed, ConfigError, RejectedData, ServiceDeskError, TicketNotFound
from bot.servicedesk.http import DESK_TIMEOUT, JSON_OBJECT, HttpClient, Settings, field, parse_time
from bot.servicedesk.models import DeskReply, Requester, TicketRef, TicketRequest, TicketStatus

ZONEINFO_URL = "https://files.hornbill.com"
APP = "com.hornbill.servicemanager"
INCIDENTS = f"apps/{APP}/Incidents"
REQUESTS = f"apps/{APP}/Requests"
WEB_URL = "https://live.hornbill.com/{instance}/servicemanager/request/view/{ref}"
REFERENCE_COLUMN = "h_external_ref_number"
STREAM_COLUMN = "h_activity_stream_id"  # the request's timeline
TEAM_NAME_COLUMN = "h_fk_team_name"  # h_fk_team_id is the team's ID; this is its name
CUSTOMER_VISIBLE = frozenset({"public", "trustedguest"})  # updateReqTimeline's visibilities a customer sees
SYSTEM_TYPES = frozenset({"system", "logged"})  # entries Service Manager writes itself, not a person's words
ASKIT_EXTRA = {"askit": "requester-comment"}  # marks the requester's comments that AskIT posts for them
AUTH_WORDS = ("authenticat", "api key", "apikey", "session", "permission", "privilege", "rights", "not authori")
MISSING_WORDS = ("not found", "does not exist", "no such")
INSTANCE = matching(r"[A-Za-z0-9_-]+", "an instance name (letters, digits, - and _)")


def in_band_error(message: str) -> type[ServiceDeskError]:
    """The typed error for a failure that XMLMC reported in the body of a 200 answer."""
    text = message.lower()
    if any(word in text for word in AUTH_WORDS):
        return AuthenticationFailed
    if any(word in text for word in MISSING_WORDS):
        return TicketNotFound
    return RejectedData


def listed(value: Any) -> list[dict[str, Any]]:
    """A repeated XMLMC element in JSON: one object for one item, a list for several, absent for none."""
    items = [value] if isinstance(value, dict) else list(value or [])
    return [item for item in items if isinstance(item, dict)]


def rows(result: Mapping[str, Any]) -> list[dict[str, Any]]:
    """entityBrowseRecords2's rows: ``rowData.row`` is one object for one row and a list for several."""
    return listed((result.get("rowData") or {}).get("row"))


def posted_at(activity: Mapping[str, Any]) -> dt.datetime | None:
    """When a timeline post was published, or None when it does not say (or says it unreadably)."""
    if not activity.get("published"):
        return None
    when = parse_time(activity["published"])
    return None if when.timestamp() == 0 else when


def is_reply(activity: Mapping[str, Any], customer: str) -> bool:
    """Whether a timeline post is the desk's words for the customer: visible to them, written by a
    person, not by the customer and not a comment AskIT relayed for them."""
    if str(activity.get("visibility") or "").lower() not in CUSTOMER_VISIBLE:
        return False  # internal (colleague, manager, owner) or unknown: never shown to the requester
    if str(activity.get("type") or "").lower() in SYSTEM_TYPES or not str(activity.get("content") or "").strip():
        return False
    actor = activity.get("actor")
    poster = str((actor.get("id") if isinstance(actor, Mapping) else actor) or "").lower()
    if customer and (poster == customer.lower() or poster.endswith(f":{customer.lower()}")):
        return False
    extra = activity.get("extra")
    if isinstance(extra, str):
        try:
            extra = json.loads(extra) if extra.strip() else None
        except ValueError:
            extra = None
    return not (isinstance(extra, Mapping) and all(extra.get(k) == v for k, v in ASKIT_EXTRA.items()))


class HornbillDesk(ServiceDesk):
    name = "hornbill"
    settings = (
        Setting(
            "ASKIT_HORNBILL_INSTANCE",
            INSTANCE,
            "the instance name, as in https://live.hornbill.com/INSTANCE/",
            required=True,
        ),
        Setting("ASKIT_HORNBILL_API_KEY", TOKEN, "an API key of the integration account", required=True, secret=True),
        Setting("ASKIT_HORNBILL_ZONEINFO_URL", URL, "where the instance's endpoint is looked up", default=ZONEINFO_URL),
        Setting(
            "ASKIT_HORNBILL_CUSTOMER_ID",
            choice("email", "id", fold_case=True),
            "which AskIT value is the Hornbill user ID",
            default="email",
        ),
        Setting("ASKIT_HORNBILL_GROUPS", JSON_OBJECT, "JSON: AskIT resolver group -> Hornbill team ID"),
        Setting("ASKIT_HORNBILL_PRIORITIES", JSON_OBJECT, "JSON: P1-P4 -> Hornbill priority ID"),
        Setting("ASKIT_HORNBILL_CATEGORIES", JSON_OBJECT, "JSON: AskIT category -> Hornbill request category ID"),
        DESK_TIMEOUT,
    )

    def __init__(
        self,
        zoneinfo: HttpClient,
        instance: str,
        api_key: Secret,
        customer_by_email: bool,
        groups: Mapping[str, str],
        priorities: Mapping[str, str],
        categories: Mapping[str, str],
    ) -> None:
        self.zoneinfo, self.instance, self._api_key = zoneinfo, instance, api_key
        self.customer_by_email = customer_by_email
        self.groups, self.priorities, self.categories = dict(groups), dict(priorities), dict(categories)
        self._client: HttpClient | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> HornbillDesk:
        s = Settings(env, cls.settings, "ASKIT_HORNBILL")
        client = HttpClient(cls.name, s["ZONEINFO_URL"], timeout=s.timeout())
        mappings = (s["GROUPS"] or {}, s["PRIORITIES"] or {}, s["CATEGORIES"] or {})
        return cls(client, s["INSTANCE"], s["API_KEY"], s["CUSTOMER_ID"] == "email", *mappings)

    def _xmlmc(self) -> HttpClient:
        """The instance's XMLMC endpoint, looked up in zoneinfo the first time it is needed."""
        if self._client is None:
            path = f"/instances/{quote(self.instance, safe='')}/zoneinfo"
            zone = field(self.zoneinfo.call("GET", path, missing=ConfigError), "zoneinfo")
            if zone.get("message") != "Success":
                raise ConfigError(f"hornbill: no instance {self.instance!r} in zoneinfo: {zone.get('message')}")
            endpoint = zone.get("apiEndpoint") or f"{field(zone, 'endpoint')}xmlmc/"
            key = Secret(f"ESP-APIKEY {self._api_key.reveal()}")
            headers: dict[str, str | Secret] = {"Authorization": key, "Accept": "application/json"}
            self._client = HttpClient(self.name, str(endpoint), headers, timeout=self.zoneinfo.timeout[1])
        return self._client

    def _invoke(self, service: str, method: str, params: Mapping[str, Any]) -> dict[str, Any]:
        body = {"@service": service, "@method": method, "params": params}
        xmlmc, query = self._xmlmc(), {"method": method}
        answer = xmlmc.call("POST", f"/{service}/", json_body=body, params=query, missing=ConfigError)
        what = f"hornbill: {service}::{method}"
        if field(answer, "@status") is not True:
            error = str((answer.get("state") or {}).get("error") or "failed without an error message")
            raise in_band_error(error)(f"{what} failed: {redact(error)}")
        result = answer.get("params") or {}
        if result.get("exceptionName"):
            error = f"{result['exceptionName']}: {result.get('exceptionDescription') or ''}"
            raise in_band_error(error)(f"{what} raised {redact(error)}")
        return dict(result)

    def _browse(self, filters: list[dict[str, str]], limit: int) -> list[dict[str, Any]]:
        params = {
            "application": APP,
            "entity": "Requests",
            "matchScope": "all",
            "searchFilter": filters,
            "orderBy": [{"column": "h_datelogged", "direction": "descending"}],
            "maxResults": limit,
        }
        return rows(self._invoke("data", "entityBrowseRecords2", params))

    def _customer(self, requester: Requester) -> str | None:
        return requester.email if self.customer_by_email else requester.id

    def _url(self, ref: str) -> str:
        return WEB_URL.format(instance=quote(self.instance, safe=""), ref=quote(ref, safe=""))

    def create_ticket(self, request: TicketRequest) -> TicketRef:
        customer = self._customer(request.requester)
        description = f"{request.description}\n\nAskIT reference: {request.correlation_id}"
        params: dict[str, Any] = {"summary": request.summary}
        if customer:
            params |= {"customerId": customer, "customerType": "0"}
        else:
            description = f"Requester (no Hornbill user ID): {request.requester.id}\n\n{description}"
        params["description"] = description
        team, category = self.groups.get(request.resolver_group), self.categories.get(request.category)
        ids = {"teamId": team, "priorityId": self.priorities.get(request.priority), "categoryId": category}
        params |= {name: value for name, value in ids.items() if value}
        params["questionFieldMap"] = json.dumps({REFERENCE_COLUMN: request.correlation_id})
        ref = str(field(self._invoke(INCIDENTS, "logIncident", params), "requestId"))
        return TicketRef(ref=ref, url=self._url(ref))

    def find_by_correlation(self, correlation_id: str) -> TicketRef | None:
        found = self._browse([{"column": REFERENCE_COLUMN, "value": correlation_id, "matchType": "exact"}], 1)
        if not found:
            return None
        ref = str(field(found, 0, "h_pk_reference"))
        return TicketRef(ref=ref, url=self._url(ref))

    def _status(self, record: Mapping[str, Any]) -> TicketStatus:
        ref = str(field(record, "h_pk_reference"))
        return TicketStatus(
            ref=ref,
            summary=str(record.get("h_summary") or ""),
            status=str(record.get("h_status") or "").removeprefix("status.").lower(),
            requester_id=str(record.get("h_fk_user_id") or ""),
            updated_at=parse_time(record.get("h_datelastmodified") or record.get("h_datelogged")),
            url=self._url(ref),
            group=str(record.get(TEAM_NAME_COLUMN) or "") or None,
        )

    def _record(self, ref: str) -> dict[str, Any]:
        result = self._invoke("data", "entityGetRecord", {"application": APP, "entity": "Requests", "keyValue": ref})
        record = (result.get("primaryEntityData") or {}).get("record")
        if not record or not isinstance(record, dict):
            raise TicketNotFound(f"hornbill: no request {ref}")
        return record

    def get_status(self, ref: str) -> TicketStatus:
        return self._status(self._record(ref))

    def list_open(self, requester: Requester) -> list[TicketStatus]:
        customer = self._customer(requester)
        if not customer:
            return []
        # matchScope "all" ANDs the filters, so the open ones are picked here rather than by three status filters
        filters = [{"column": "h_fk_user_id", "value": customer, "matchType": "exact"}]
        return [status for status in map(self._status, self._browse(filters, 50)) if status.is_open]

    def add_comment(self, ref: str, text: str) -> None:
        params = {"requestId": ref, "content": text, "visibility": "trustedGuest", "extra": json.dumps(ASKIT_EXTRA)}
        self._invoke(REQUESTS, "updateReqTimeline", params)

    def latest_reply(self, ref: str) -> DeskReply | None:
        record = self._record(ref)
        stream = str(record.get(STREAM_COLUMN) or "")
        if not stream:
            return None  # no timeline yet, so nothing written on it
        key = {"application": APP, "entity": "Requests", "keyValue": ref}
        token = str(field(self._invoke("data", "entityGetActivityStreamAccessToken", key), "accessToken"))
        found = self._invoke("activity", "activityStreamQuery", {"activityStreamID": stream, "accessToken": token})
        customer = str(record.get("h_fk_user_id") or "")
        replies = [a for a in listed(found.get("activity")) if is_reply(a, customer)]
        if not replies:
            return None
        oldest = dt.datetime.min.replace(tzinfo=dt.timezone.utc)
        # newest by its time; the stream lists newest first, so among equal times the earlier one wins
        newest = max(range(len(replies)), key=lambda i: (posted_at(replies[i]) or oldest, -i))
        return DeskReply(text=str(replies[newest]["content"]).strip(), at=posted_at(replies[newest]))
