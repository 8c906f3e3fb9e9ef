"""A guard for both servers' HTTP layer (Sanic 21.12 in the Rasa server, 22.12 in the action server).

Sanic takes the Content-Length header as the body's size without checking its sign: a request that
says ``Content-Length: -1`` sets the bytes left to read to -1, which never counts down to 0, and the
server spins at 100% CPU for good, answering nobody. One unauthenticated 40-byte request did that
(found by tests/e2e/test_fuzz.py). Refused here with 400 before the head is parsed (Sanic's
TouchUp recompiles its request parser from source, so the parser itself cannot be wrapped). A Host
header that is not a host (``Host: [``) is refused there too: Sanic builds ``request.url`` from it
and python-engineio's ``urlsplit`` of that raised, a 500 with a traceback. And a web socket text
frame that is not UTF-8 closes that connection (1007, as RFC 6455 says) instead of raising out of
Sanic's frame reader.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

INVALID_FRAME_PAYLOAD = 1007  # RFC 6455: a text frame that is not UTF-8


def refuse_malformed_head(app: Any) -> None:
    """Check each request's head on ``app`` before Sanic reads its body."""
    from sanic.exceptions import InvalidUsage

    async def check_head(head: bytes, **context: Any) -> None:
        for line in head.split(b"\r\n")[1:]:
            name, _colon, raw = line.partition(b":")
            name, value = name.strip().lower(), raw.strip()
            if name == b"content-length" and not value.isdigit():
                raise InvalidUsage("Content-Length must be a number of bytes")
            if name == b"host" and not is_host(value.decode("latin-1")):
                raise InvalidUsage("Host must be a host name or address, with an optional port")

    # A signal Sanic raises with the raw head of every request, before it parses it (both versions).
    app.signal("http.lifecycle.read_head")(check_head)


def is_host(value: str) -> bool:
    """Whether a Host header parses as ``host[:port]`` (``[`` or ``x:port`` do not)."""
    try:
        port = urlsplit(f"//{value}").port  # parsing the port is what raises on a malformed one
    except ValueError:
        return False
    return port is None or port >= 0


def close_websockets_on_invalid_text() -> None:
    from sanic.server.websockets.impl import WebsocketImplProtocol

    if getattr(WebsocketImplProtocol.process_events, "askit_guarded", False):
        return
    process_events = WebsocketImplProtocol.process_events

    async def checked(self: Any, events: Any) -> None:
        try:
            await process_events(self, events)
        except UnicodeDecodeError:
            self.fail_connection(INVALID_FRAME_PAYLOAD, "text frames must be UTF-8")

    checked.askit_guarded = True  # type: ignore[attr-defined]
    setattr(WebsocketImplProtocol, "process_events", checked)  # noqa: B010 - mypy refuses assigning a method
