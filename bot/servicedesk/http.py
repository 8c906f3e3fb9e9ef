"""What every HTTP adapter shares: its declared settings read from the environment (the kinds of
value they take, ASKIT_DESK_TIMEOUT), one ``requests`` session with explicit timeouts, and one
mapping from HTTP outcomes to the typed errors.

    status / outcome          error                       the outbox then
    200-299, JSON body        (the parsed body)
    200-299, unreadable body  BadResponse                 retries
    400, 409, 422             RejectedData                parks the request (retrying cannot help)
    401, 403                  AuthenticationFailed        retries until an operator fixes the key
    404                       TicketNotFound, or ConfigError when the endpoint itself is missing
    429                       RateLimited(retry_after)    waits as long as the desk asked
    5xx                       ServiceDeskUnavailable      retries with backoff (honours Retry-After)
    timeout, refused          ServiceDeskUnavailable      retries, looking the ticket up first

Secrets never leave this module in clear: ``Secret`` (bot/secret.py) hides its value from repr and
str, and every message built from a response passes through ``redact`` for the secrets this process knows.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import logging
import time
from collections.abc import Mapping, Sequence
from typing import Any

import requests

from bot.config import POSITIVE_SECONDS, Kind, Setting, kind, matching, read_settings
from bot.secret import Secret, redact
from bot.servicedesk.errors import (
    AuthenticationFailed,
    BadResponse,
    ConfigError,
    RateLimited,
    RejectedData,
    ServiceDeskError,
    ServiceDeskUnavailable,
    TicketNotFound,
)

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT = 3.05
READ_TIMEOUT = 15.0
TIMEOUT_SETTING = "ASKIT_DESK_TIMEOUT"  # seconds to wait for a desk's answer
MAX_ERROR_BODY = 300


DESK_TIMEOUT = Setting(
    TIMEOUT_SETTING, POSITIVE_SECONDS, "seconds to wait for the desk's answer (every desk)", default=f"{READ_TIMEOUT:g}"
)


def _json_object(value: str, ids: bool = False) -> dict[str, Any]:
    problem = f"must be a JSON object of names to {'numeric ids' if ids else 'names'}"
    try:
        data = json.loads(value)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{problem} (this is not JSON: {exc.msg} at character {exc.pos})") from None
    if not isinstance(data, dict) or not all(_scalar(v, ids) for v in data.values()):
        raise ValueError(problem)
    return {str(k): int(v) if ids else str(v) for k, v in data.items()}


def _scalar(value: Any, digits: bool) -> bool:
    """A name or an id: not a nested object, a list, null or true; with ``digits``, an id."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        return False
    return not digits or isinstance(value, int) or value.isdigit()


# What the desks' settings are, beyond bot/config.py's kinds. A secret's problem never shows its value.
JSON_OBJECT = Kind("a JSON object of names to names", _json_object)
JSON_IDS = Kind("a JSON object of names to numeric ids", lambda value: _json_object(value, ids=True))
PASSWORD = kind("a password without control characters", str.isprintable)
NUMERIC_ID = matching(r"[0-9]+", "a numeric id")


class Settings:
    """One desk's declared settings, checked and read from the environment (ConfigError names the
    first bad one): ``s["URL"]`` is ``<prefix>_URL``'s value, a ``Secret`` for a secret, None when unset."""

    def __init__(self, env: Mapping[str, str], declared: Sequence[Setting], prefix: str) -> None:
        self.prefix = prefix
        self.values = read_settings(env, declared, ConfigError)

    def name(self, key: str) -> str:
        return f"{self.prefix}_{key}"

    def __getitem__(self, key: str) -> Any:
        return self.values[self.name(key)]

    def timeout(self) -> float:
        """Seconds to wait for the desk's answer: ASKIT_DESK_TIMEOUT, shared by every desk."""
        return float(self.values.get(TIMEOUT_SETTING) or READ_TIMEOUT)


def retry_after(value: str | None, now: dt.datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    now = now or dt.datetime.now(dt.timezone.utc)
    return max(0.0, (when - now).total_seconds())


class HttpClient:
    """One desk's HTTP endpoint. ``call`` returns the parsed JSON body or raises a typed error."""

    def __init__(
        self,
        desk: str,
        base_url: str,
        headers: Mapping[str, str | Secret] | None = None,
        auth: tuple[str, Secret] | None = None,
        timeout: float = READ_TIMEOUT,
    ) -> None:
        self.desk, self.base_url = desk, base_url.rstrip("/")
        self._headers = dict(headers or {})
        self._auth = auth
        self.timeout = (CONNECT_TIMEOUT, timeout)
        self._session = requests.Session()

    def __repr__(self) -> str:
        return f"HttpClient({self.desk!r}, {self.base_url!r})"

    def call(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        data: str | bytes | None = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        missing: type[ServiceDeskError] = TicketNotFound,
        expect_json: bool = True,
    ) -> Any:
        """One request. ``missing`` is the error for 404: TicketNotFound when a ticket is named,
        ConfigError when the endpoint itself should exist."""
        url = path if path.startswith("http") else f"{self.base_url}{path}"
        sent = {k: (v.reveal() if isinstance(v, Secret) else v) for k, v in self._headers.items()}
        sent.update(headers or {})
        auth = (self._auth[0], self._auth[1].reveal()) if self._auth else None
        started = time.monotonic()
        try:
            response = self._session.request(
                method, url, json=json_body, data=data, params=params, headers=sent, auth=auth, timeout=self.timeout
            )
        except requests.Timeout as exc:
            raise ServiceDeskUnavailable(f"{self.desk}: {method} {path} timed out after {self.timeout[1]:g} s") from exc
        except requests.RequestException as exc:
            raise ServiceDeskUnavailable(f"{self.desk}: {method} {path} failed: {type(exc).__name__}") from exc
        elapsed_ms = (time.monotonic() - started) * 1000
        logger.info("%s %s %s -> %s in %.0f ms", self.desk, method, path, response.status_code, elapsed_ms)
        self._raise_for(response, f"{method} {path}", missing)
        if not expect_json:
            return response.text
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError as exc:
            status = response.status_code
            raise BadResponse(f"{self.desk}: {method} {path} answered {status} with unreadable JSON") from exc

    def _raise_for(self, response: requests.Response, what: str, missing: type[ServiceDeskError]) -> None:
        status = response.status_code
        if status < 400:
            return
        detail = redact(" ".join(response.text[:MAX_ERROR_BODY].split()))
        message = f"{self.desk}: {what} answered {status}: {detail}"
        wait = retry_after(response.headers.get("Retry-After"))
        if status == 429:
            raise RateLimited(message, retry_after=wait)
        if status in (401, 403):
            raise AuthenticationFailed(message)
        if status == 404:
            raise missing(message)
        if status in (400, 409, 422):
            raise RejectedData(message)
        raise ServiceDeskUnavailable(message, retry_after=wait)


def parse_time(value: Any) -> dt.datetime:
    """A desk's timestamp (ISO 8601, 'YYYY-MM-DD HH:MM:SS' in UTC, or epoch ms) as an aware datetime."""
    if isinstance(value, (int, float)):
        return dt.datetime.fromtimestamp(value / 1000, dt.timezone.utc)
    if isinstance(value, Mapping):  # Jira: {"iso8601": ..., "epochMillis": ...}
        return parse_time(value.get("epochMillis") or value.get("iso8601"))
    text = str(value or "").strip().replace("Z", "+00:00")
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        try:
            when = dt.datetime.strptime(text[:19], "%Y-%m-%d %H:%M:%S")
        except ValueError:
            return dt.datetime.fromtimestamp(0, dt.timezone.utc)
    return when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)


def field(body: Any, *path: str | int) -> Any:
    """``body[path[0]][path[1]]...``, or BadResponse naming the missing field."""
    value = body
    for key in path:
        try:
            value = value[key]
        except (KeyError, IndexError, TypeError) as exc:
            raise BadResponse(f"the desk's answer has no {'.'.join(map(str, path))}") from exc
    return value
