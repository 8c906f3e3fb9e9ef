"""A socket.io client speaking the web widget's protocol, as the widget's script does: a token in
the connect ``auth`` payload, ``user_uttered {message}`` out, one ``bot_uttered`` per bot message in."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import socketio

CONNECT_TIMEOUT = 20
REPLY_TIMEOUT = 60

Match = Callable[[dict[str, Any]], bool]


class Refused(Exception):
    """The server refused the connection; the message is the reason it gave (connect_error)."""


class WidgetClient:
    def __init__(self, url: str, token: str | None, origin: str | None = None) -> None:
        """``origin``: the page a browser would say it connects from (by default the server's own)."""
        self.received: list[dict[str, Any]] = []
        self.client = socketio.Client(websocket_extra_options={"origin": origin} if origin else None)
        self.client.on("bot_uttered", self.received.append)
        refusals: list[Any] = []
        self.client.on("connect_error", refusals.append)
        try:
            self.client.connect(
                url,
                socketio_path="/socket.io",
                transports=["websocket"],
                auth={"token": token} if token is not None else None,
                wait_timeout=CONNECT_TIMEOUT,
            )
        except socketio.exceptions.ConnectionError:
            reason = refusals[0].get("message") if refusals and isinstance(refusals[0], dict) else refusals
            raise Refused(str(reason)) from None

    def __enter__(self) -> WidgetClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.disconnect()

    def wait_for(self, found: Match, seconds: float = REPLY_TIMEOUT, start: int = 0) -> dict[str, Any]:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            match = next((m for m in self.received[start:] if found(m)), None)
            if match is not None:
                return match
            self.client.sleep(0.1)
        raise AssertionError(f"nothing matching after {seconds} s; received {self.received[start:]}")

    def say(self, text: str, until: Match, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        """Send ``text`` (with ``extra`` fields, which the server must ignore) and wait for a reply."""
        start = len(self.received)
        self.client.emit("user_uttered", {**(extra or {}), "message": text})
        return self.wait_for(until, REPLY_TIMEOUT, start)


def custom_has(key: str, value: object) -> Match:
    return lambda m: (m.get("custom") or {}).get(key) == value
