"""A guard for both servers' HTTP layer (Sanic 21.12 in the Rasa server, 22.12 in the action server).

Sanic takes the Content-Length header as the body's size without checking its sign: a request that
says ``Content-Length: -1`` sets the bytes left to read to -1, which never counts down to 0, and the
server spins at 100% CPU for good, answering nobody. One unauthenticated 40-byte request did that
(found by tests/e2e/test_fuzz.py). Refused here with 400 before the head is parsed (Sanic's
TouchUp recompiles its request parser from source, so the parser itself cannot be wrapped). And a web
socket text frame that is not UTF-8 closes that connection (1007, as RFC 6455 says) instead of
raising out of Sanic's frame reader.
"""

from __future__ import annotations

from typing import Any

INVALID_FRAME_PAYLOAD = 1007  # RFC 6455: a text frame that is not UTF-8


def refuse_bad_content_length(app: Any) -> None:
    """Check each request's head on ``app`` before Sanic reads its body."""
    from sanic.exceptions import InvalidUsage

    async def check_head(head: bytes, **context: Any) -> None:
        for line in head.split(b"\r\n")[1:]:
            name, _colon, value = line.partition(b":")
            if name.strip().lower() == b"content-length" and not value.strip().isdigit():
                raise InvalidUsage("Content-Length must be a number of bytes")

    # A signal Sanic raises with the raw head of every request, before it parses it (both versions).
    app.signal("http.lifecycle.read_head")(check_head)


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
