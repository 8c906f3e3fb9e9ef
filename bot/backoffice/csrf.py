"""CSRF protection: one random token per browser session (kept in the signed session cookie, and
made afresh at sign-in), required on every POST, PUT, PATCH and DELETE as the ``csrf_token`` form
field or the ``X-CSRF-Token`` header; anything else is refused with 403 before a route sees it."""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import parse_qs

from starlette.datastructures import Headers
from starlette.requests import HTTPConnection, Request
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSRF_KEY = "csrf"
FIELD = "csrf_token"
HEADER = "x-csrf-token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
REFUSED = "The form has expired or did not come from this site: go back, reload the page and try again."
MAX_FIELDS = 1000  # Starlette's own limit for the route's parse


def csrf_token(connection: HTTPConnection) -> str:
    """This session's token, made on first use."""
    token = connection.session.get(CSRF_KEY)
    if not isinstance(token, str):
        token = connection.session[CSRF_KEY] = secrets.token_urlsafe(32)
    return token


def new_csrf_token(connection: HTTPConnection) -> None:
    connection.session[CSRF_KEY] = secrets.token_urlsafe(32)


class CsrfMiddleware:
    """Reads a state-changing request's body (bounded by BodyLimitMiddleware outside it), checks the
    token, then hands the same body on to the route."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        messages: list[Message] = []
        body = b""
        more = True
        while more:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            body += message.get("body", b"")
            more = message.get("more_body", False)
        sent = headers.get(HEADER) or await _form_token(scope, headers, messages, body)
        expected = scope["session"].get(CSRF_KEY)
        if not isinstance(expected, str) or not sent or not hmac.compare_digest(sent.encode(), expected.encode()):
            await PlainTextResponse(REFUSED, status_code=403)(scope, receive, send)
            return

        async def replay() -> Message:
            return messages.pop(0) if messages else {"type": "http.disconnect"}

        await self.app(scope, replay, send)


async def _form_token(scope: Scope, headers: Headers, messages: list[Message], body: bytes) -> str | None:
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/x-www-form-urlencoded":
        try:
            values = parse_qs(body.decode("latin-1"), max_num_fields=MAX_FIELDS).get(FIELD)
        except ValueError:  # more fields than any back-office form has
            return None
        return values[0] if values else None
    if content_type == "multipart/form-data":
        chunks = list(messages)

        async def again() -> Message:
            return chunks.pop(0) if chunks else {"type": "http.disconnect"}

        # A copy of the parse the route will do again; the form's files stay within the body limit.
        async with Request(scope, again).form() as form:
            value = form.get(FIELD)
        return value if isinstance(value, str) else None
    return None
