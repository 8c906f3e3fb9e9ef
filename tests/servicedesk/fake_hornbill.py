"""A Hornbill instance on loopback: the zoneinfo lookup and the XMLMC JSON API for the calls AskIT makes.

Zoneinfo answers ``{"zoneinfo": {"endpoint", "apiEndpoint", "message": "Success", ...}}``; XMLMC takes
``POST <apiEndpoint><service>/?method=<method>`` with ``{"@service", "@method", "params"}`` and answers
``{"@status": true, "params": {...}}`` or ``{"@status": false, "state": {"code", "error"}}`` (HTTP 200 for
business failures; a flowcode failure is ``@status: true`` with ``params.exceptionName``).

Each request has a timeline (``h_activity_stream_id``). Tests add posts to it with ``add_update``: an
analyst's reply for the customer (``visibility="trustedGuest"`` or ``"public"``), an internal note
(``"colleague"``), the customer's own update (``by=`` their user ID) or a system entry (``kind="System"``);
``updateReqTimeline`` posts as the integration account. ``activityStreamQuery`` needs a token from
``entityGetActivityStreamAccessToken`` for that request and lists the posts newest first.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from typing import Any

from tests.servicedesk.fakedesk import FakeDesk, Reply, Seen

INSTANCE, API_KEY = "northbrook", "hb-api-key-not-for-logs"
USERS = {"alice@northbrook.example", "teams:alice-aad-id", "bob@northbrook.example"}
TEAMS = {"Service Desk/Network": "Network Support"}  # team ID -> the team's name
PRIORITIES, CATEGORIES = {"1", "2", "3", "4"}, {"cat-connectivity"}
ANALYST, INTEGRATION_ACCOUNT = "sam.analyst", "askit.integration"
TIMELINE_START = dt.datetime(2026, 11, 22, 10, 0, tzinfo=dt.timezone.utc)


def failure(error: str, status: int = 200) -> Reply:
    return Reply(status, {"@status": False, "state": {"code": "0200", "service": "", "operation": "", "error": error}})


def success(params: dict[str, Any]) -> Reply:
    return Reply(200, {"@status": True, "params": params})


class FakeHornbill(FakeDesk):
    def __init__(self) -> None:
        super().__init__()
        self.requests: list[dict[str, Any]] = []
        self.timeline: dict[str, list[dict[str, Any]]] = {}  # updateReqTimeline's params, by request
        self.streams: dict[str, list[dict[str, Any]]] = {}  # activity stream ID -> its posts, oldest first
        self.tokens: dict[str, str] = {}  # access token -> the activity stream it opens
        self.in_band_error: str | None = None  # the next XMLMC call fails with this, in an HTTP 200 answer
        self._numbers = itertools.count(12345)
        self._minutes = itertools.count()

    def error_body(self, status: int) -> Any:
        return {"@status": False, "state": {"code": f"{status}", "error": f"fake {status}"}}

    def add_request(self, customer: str, summary: str, status: str = "status.open", reference: str = "") -> Any:
        request = {
            "h_pk_reference": f"IN{next(self._numbers):08d}",
            "h_requesttype": "Incident",
            "h_summary": summary,
            "h_description": summary,
            "h_status": status,
            "h_fk_user_id": customer,
            "h_external_ref_number": reference,
            "h_datelogged": f"2026-11-22 09:{len(self.requests):02d}:00",
            "h_datelastmodified": f"2026-11-22 09:{len(self.requests):02d}:30",
        }
        request["h_activity_stream_id"] = f"urn:buzz:activityStream:{request['h_pk_reference']}"
        self.streams[request["h_activity_stream_id"]] = []
        self.requests.append(request)
        return request

    def add_update(
        self,
        ref: str,
        content: str,
        by: str = ANALYST,
        visibility: str = "trustedGuest",
        kind: str = "Update",
        at: dt.datetime | None = None,
        extra: str = "",
    ) -> dict[str, Any]:
        """A post on the request's timeline, a minute after the one before unless ``at`` says when."""
        request = next(r for r in self.requests if r["h_pk_reference"] == ref)
        stream = self.streams[request["h_activity_stream_id"]]
        when = at or TIMELINE_START + dt.timedelta(minutes=next(self._minutes))
        activity = {
            "id": f"urn:buzz:activity:{sum(map(len, self.streams.values())) + 1}",
            "type": kind,
            "actor": {"id": by, "name": by.title()},
            "published": when.strftime("%Y-%m-%d %H:%M:%S"),
            "visibility": visibility,
            "title": "",
            "content": content,
            "extra": extra,
            "likes": 0,
        }
        stream.append(activity)
        return activity

    def handle(self, request: Seen) -> Reply:
        if request.method == "GET" and request.path == f"/instances/{INSTANCE}/zoneinfo":
            return self._zoneinfo()
        if request.method == "GET" and re.fullmatch(r"/instances/[^/]+/zoneinfo", request.path):
            return Reply(200, {"zoneinfo": {"message": "Instance not found"}})
        match = re.fullmatch(rf"/{INSTANCE}/xmlmc/(.+)/", request.path)
        if request.method != "POST" or not match:
            return Reply(404, b"<html><body>Not Found</body></html>")
        if request.headers.get("authorization") != f"ESP-APIKEY {API_KEY}":
            return failure("Authentication failed: the API key is not valid", 401)
        if not request.headers.get("content-type", "").startswith("application/json"):
            return failure("The content-type is not supported", 400)
        body = request.json()
        service, method = match.group(1), request.query.get("method", "")
        if not isinstance(body, dict) or body.get("@service") != service or body.get("@method") != method:
            return failure("The @service and @method in the payload do not match the URL", 400)
        with self.lock:
            if self.in_band_error:
                error, self.in_band_error = self.in_band_error, None
                return failure(error)
            return self._call(service, method, body.get("params") or {})

    def _zoneinfo(self) -> Reply:
        endpoint = f"{self.url}/{INSTANCE}/"
        zone = {"clusterFqn": "loopback", "releaseStream": "test", "endpoint": endpoint, "message": "Success"}
        return Reply(200, {"zoneinfo": {**zone, "apiEndpoint": f"{endpoint}xmlmc/"}})

    def _call(self, service: str, method: str, params: dict[str, Any]) -> Reply:
        if (service, method) == ("apps/com.hornbill.servicemanager/Incidents", "logIncident"):
            return self._log(params)
        if (service, method) == ("data", "entityGetRecord"):
            found = [r for r in self.requests if r["h_pk_reference"] == params.get("keyValue")]
            if params.get("entity") != "Requests" or not found:
                return failure(f"The record '{params.get('keyValue')}' was not found in entity Requests")
            return success({"primaryEntityData": {"record": found[0]}})
        if (service, method) == ("data", "entityBrowseRecords2"):
            return self._browse(params)
        if (service, method) == ("apps/com.hornbill.servicemanager/Requests", "updateReqTimeline"):
            return self._timeline(params)
        if (service, method) == ("data", "entityGetActivityStreamAccessToken"):
            return self._token(params)
        if (service, method) == ("activity", "activityStreamQuery"):
            return self._query(params)
        return failure(f"The method {service}::{method} is not available")

    def _log(self, params: dict[str, Any]) -> Reply:
        if not params.get("summary") or not params.get("description"):
            return failure("Input validation failed: summary and description are required")
        if "customerId" in params and (params["customerId"] not in USERS or params.get("customerType") != "0"):
            return failure(f"The customer '{params['customerId']}' is not a valid co-worker")
        for name, valid in (("teamId", TEAMS), ("priorityId", PRIORITIES), ("categoryId", CATEGORIES)):
            if name in params and params[name] not in valid:
                return success({"exceptionName": "InvalidInput", "exceptionDescription": f"Invalid {name}"})
        fields = json.loads(params.get("questionFieldMap") or "{}")
        request = self.add_request(params.get("customerId", ""), params["summary"], "status.new")
        team = params.get("teamId", "")
        request.update(h_description=params["description"], h_fk_team_id=team, h_fk_team_name=TEAMS.get(team, ""))
        request.update(fields)
        return success({"requestId": request["h_pk_reference"], "warnings": []})

    def _browse(self, params: dict[str, Any]) -> Reply:
        if params.get("application") != "com.hornbill.servicemanager" or params.get("entity") != "Requests":
            return failure("The entity was not found")
        found = self.requests
        by_column: dict[str, set[str]] = {}
        for term in params.get("searchFilter") or []:
            by_column.setdefault(term["column"], set()).add(term["value"])
        for column, values in by_column.items():  # several values for one column: any of them matches
            found = [r for r in found if r.get(column) in values]
        for order in reversed(params.get("orderBy") or []):
            found = sorted(found, key=lambda r: r[order["column"]], reverse=order.get("direction") == "descending")
        found = found[: int(params.get("maxResults") or 100)]
        if not found:
            return success({})
        return success({"rowData": {"row": found[0] if len(found) == 1 else found}})

    def _timeline(self, params: dict[str, Any]) -> Reply:
        if not params.get("content"):
            return failure("Input validation failed: content is required")
        if not any(r["h_pk_reference"] == params.get("requestId") for r in self.requests):
            return success({"exceptionName": "RequestNotFound", "exceptionDescription": "Request not found"})
        self.timeline.setdefault(params["requestId"], []).append(params)
        activity = self.add_update(
            params["requestId"],
            params["content"],
            by=INTEGRATION_ACCOUNT,
            visibility=params.get("visibility") or "public",
            kind=params.get("activityType") or "Update",
            extra=params.get("extra") or "",
        )
        return success({"activityId": activity["id"], "outcome": "success"})

    def _token(self, params: dict[str, Any]) -> Reply:
        found = [r for r in self.requests if r["h_pk_reference"] == params.get("keyValue")]
        if params.get("application") != "com.hornbill.servicemanager" or params.get("entity") != "Requests":
            return failure("The entity was not found")
        if not found:
            return failure(f"The record '{params.get('keyValue')}' was not found in entity Requests")
        token = f"ast-{len(self.tokens) + 1}-{found[0]['h_pk_reference']}"
        self.tokens[token] = found[0]["h_activity_stream_id"]
        return success({"accessToken": token})

    def _query(self, params: dict[str, Any]) -> Reply:
        stream = params.get("activityStreamID")
        if stream not in self.streams:
            return failure(f"The activity stream '{stream}' does not exist")
        if self.tokens.get(params.get("accessToken") or "") != stream:
            return failure("You are not authorised to access this activity stream: the access token is not valid")
        posts = sorted(self.streams[stream], key=lambda a: a["published"], reverse=True)
        if not posts:
            return success({})
        return success({"activity": posts[0] if len(posts) == 1 else posts})
