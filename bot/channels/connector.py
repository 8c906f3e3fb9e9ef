"""Talk to the Bot Framework connector on the bot's behalf: an app token from Azure AD (cached until
shortly before it expires), send an activity into a conversation, and look up a conversation member.

A multi-tenant app registration gets its token from the ``botframework.com`` tenant; a single-tenant
one from its own tenant. The token is only ever sent to a ``serviceUrl`` that arrived in a verified
request (bot/channels/teams.py), so it cannot be lured to another host.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import aiohttp

from bot.channels.errors import ConnectorError
from bot.secret import Secret

DEFAULT_LOGIN_URL = "https://login.microsoftonline.com"
MULTI_TENANT_AUTHORITY = "botframework.com"
TOKEN_PATH = "/oauth2/v2.0/token"
SCOPE = "https://api.botframework.com/.default"
TOKEN_REFRESH_MARGIN_SECONDS = 300.0  # renew this long before expiry: a slow turn must not outlive it
TIMEOUT = aiohttp.ClientTimeout(total=20, connect=5)
MAX_ERROR_BODY = 300
RETRY_STATUSES = frozenset({429, 502, 503, 504})
RETRY_DELAYS_SECONDS = (1.0, 2.0)  # after the first and second refusal that says no Retry-After
MAX_RETRY_AFTER_SECONDS = 60.0  # a longer Retry-After is waited this long: the caller keeps what it could not send


@dataclass(frozen=True)
class AppCredentials:
    app_id: str
    password: Secret = field(repr=False)
    tenant_id: str | None = None  # set for a single-tenant app registration
    login_url: str = DEFAULT_LOGIN_URL

    @property
    def token_url(self) -> str:
        authority = quote(self.tenant_id or MULTI_TENANT_AUTHORITY, safe="")
        return f"{self.login_url.rstrip('/')}/{authority}{TOKEN_PATH}"


class ConnectorClient:
    def __init__(self, credentials: AppCredentials, clock: Callable[[], float] = time.monotonic) -> None:
        self.credentials, self._clock = credentials, clock
        self._token: str | None = None
        self._expires_at = 0.0
        self._token_lock: asyncio.Lock | None = None
        self._session: aiohttp.ClientSession | None = None

    def __repr__(self) -> str:
        return f"ConnectorClient(app_id={self.credentials.app_id!r})"

    def _http(self) -> aiohttp.ClientSession:
        # Made on first use, inside the server's event loop.
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=TIMEOUT)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def token(self) -> str:
        if self._token_lock is None:
            self._token_lock = asyncio.Lock()
        async with self._token_lock:  # one token request at a time; the others reuse its answer
            if self._token is None or self._clock() >= self._expires_at:
                body = await self._call(
                    "POST",
                    self.credentials.token_url,
                    "get a bot token",
                    data={
                        "grant_type": "client_credentials",
                        "client_id": self.credentials.app_id,
                        "client_secret": self.credentials.password.reveal(),
                        "scope": SCOPE,
                    },
                )
                try:
                    token, lifetime = str(body["access_token"]), float(body.get("expires_in", 3600))
                except (KeyError, TypeError, ValueError) as exc:
                    raise ConnectorError(f"the token endpoint answered without a usable token ({exc!r})") from exc
                Secret(token)  # from now on redacted wherever it might be logged
                self._token = token
                self._expires_at = self._clock() + max(lifetime - TOKEN_REFRESH_MARGIN_SECONDS, 0.0)
            return self._token

    async def send(self, service_url: str, conversation_id: str, activity: Mapping[str, Any]) -> dict[str, Any]:
        """Post an activity into a conversation (``POST /v3/conversations/{id}/activities``)."""
        url = f"{service_url.rstrip('/')}/v3/conversations/{quote(conversation_id, safe='')}/activities"
        return await self._authorised("POST", url, "send an activity", json=dict(activity))

    async def update(
        self, service_url: str, conversation_id: str, activity_id: str, activity: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Replace an activity the bot sent (``PUT /v3/conversations/{id}/activities/{activityId}``)."""
        url = (
            f"{service_url.rstrip('/')}/v3/conversations/{quote(conversation_id, safe='')}"
            f"/activities/{quote(activity_id, safe='')}"
        )
        return await self._authorised("PUT", url, "update an activity", json={**activity, "id": activity_id})

    async def member(self, service_url: str, conversation_id: str, member_id: str) -> dict[str, Any]:
        """One member of a conversation, with the e-mail and UPN Teams knows for them."""
        url = (
            f"{service_url.rstrip('/')}/v3/conversations/{quote(conversation_id, safe='')}"
            f"/members/{quote(member_id, safe='')}"
        )
        return await self._authorised("GET", url, "look up a conversation member")

    async def _authorised(self, method: str, url: str, what: str, **kwargs: Any) -> dict[str, Any]:
        """The call with the bot's token. A 401 gets one fresh token; a throttled or unavailable
        connector (429, 502-504) is tried twice more, after its Retry-After when it gives one."""
        renewed, delays = False, list(RETRY_DELAYS_SECONDS)
        while True:
            headers = {"Authorization": f"Bearer {await self.token()}"}
            try:
                return await self._call(method, url, what, headers=headers, **kwargs)
            except ConnectorError as exc:
                if exc.status == 401 and not renewed:  # revoked or rotated early
                    self._token, renewed = None, True
                elif exc.status in RETRY_STATUSES and delays:
                    default = delays.pop(0)
                    await asyncio.sleep(
                        min(exc.retry_after if exc.retry_after is not None else default, MAX_RETRY_AFTER_SECONDS)
                    )
                else:
                    raise

    async def _call(self, method: str, url: str, what: str, **kwargs: Any) -> dict[str, Any]:
        try:
            async with self._http().request(method, url, **kwargs) as answer:
                text = await answer.text()
                if answer.status >= 300:
                    raise ConnectorError(
                        f"could not {what}: HTTP {answer.status} {text[:MAX_ERROR_BODY]}",
                        status=answer.status,
                        retry_after=retry_after(answer.headers.get("Retry-After")),
                    )
                if not text.strip():
                    return {}
                try:
                    body = json.loads(text)
                except ValueError as exc:
                    raise ConnectorError(f"could not {what}: the answer is not JSON") from exc
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise ConnectorError(f"could not {what}: {type(exc).__name__} {exc}") from exc
        return body if isinstance(body, dict) else {"value": body}


def retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header: a number of seconds or an HTTP date (RFC 9110);
    None when absent or unreadable."""
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        at = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if at.tzinfo is None:
        return None
    return max((at - dt.datetime.now(dt.timezone.utc)).total_seconds(), 0.0)
