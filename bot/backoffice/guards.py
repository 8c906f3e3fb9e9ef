"""The middleware every request passes: a cap on the body, security headers, and finding who is
signed in from the session cookie (bot/backoffice/sessions.py)."""

from __future__ import annotations

import asyncio

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.backoffice.sessions import PERSON_KEY, SID_KEY, SessionStore

# The largest form a back-office page sends is an article's text; 1 MiB is far above it.
MAX_BODY_BYTES = 1_048_576
# Pages use only their own scripts, styles and images, and no other site may frame them.
CSP = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cache-control": "no-store",
}
TOO_LARGE = "The request is too large."


class BodyLimitMiddleware:
    """413 for a body larger than ``limit``: said by Content-Length at once, or counted as it arrives."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "0")
        if not declared.isdigit() or int(declared) > self.limit:
            await PlainTextResponse(TOO_LARGE, status_code=413)(scope, receive, send)
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.limit:
                raise _TooLarge
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except _TooLarge:
            if not started:
                await PlainTextResponse(TOO_LARGE, status_code=413)(scope, receive, send)


class _TooLarge(Exception):
    pass


def content_security_policy(connect_to: tuple[str, ...] = ()) -> str:
    """The policy, letting pages' scripts also reach ``connect_to`` (origins such as the Rasa
    server's, where the agent console's socket lives: its http(s) and its ws(s) form)."""
    if not connect_to:
        return CSP
    sockets = [origin.replace("http", "ws", 1) for origin in connect_to]
    return f"{CSP}; connect-src 'self' {' '.join([*connect_to, *sockets])}"


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, connect_to: tuple[str, ...] = ()) -> None:
        self.app = app
        self.headers = {**SECURITY_HEADERS, "content-security-policy": content_security_policy(connect_to)}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, with_headers if scope["type"] == "http" else send)


class PersonMiddleware:
    """Puts who is signed in (or nobody) in the scope for ``person_of``; a session that ended or
    expired is dropped from the cookie."""

    def __init__(self, app: ASGIApp, store: SessionStore) -> None:
        self.app, self.store = app, store

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            session = scope["session"]
            sid = session.get(SID_KEY)
            person = await asyncio.to_thread(self.store.person, sid) if isinstance(sid, str) else None
            if person is None:
                session.pop(SID_KEY, None)
            scope[PERSON_KEY] = person
        await self.app(scope, receive, send)
