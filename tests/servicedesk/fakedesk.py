"""A loopback HTTP server that plays one service desk, for contract and outage tests.

A subclass speaks one desk's documented wire format (``handle``) and keeps its tickets in memory.
The base class records every request, checks nothing itself, and can replace the desk's answer:

    desk.fail_next(503, "timeout", "malformed")   # the next three requests, in order
    desk.outage = 503                              # every request until set back to None
    desk.outage = "accept-then-timeout"            # do the work, then answer too late
    desk.outage_methods = {"POST"}                 # only requests with these methods fail
    desk.outage = Reply(200, b"<html>...</html>")  # this answer instead of the desk's (garbage)

"timeout" answers after ``hang`` seconds (longer than the adapter waits); "malformed" answers 200
with a JSON body cut in half; a number answers that status with the desk's error body and, for
429 and 503, ``Retry-After: 7``.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

Desk = TypeVar("Desk", bound="FakeDesk")
RETRY_AFTER = "7"
# serve_forever checks for shutdown this often; its default (0.5 s) made every test wait that long.
SHUTDOWN_POLL = 0.01


@dataclass
class Seen:
    """One request as the desk received it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # names in lower case
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")


@dataclass
class Reply:
    status: int
    body: Any = None  # JSON-serialisable, or bytes sent as they are
    headers: dict[str, str] = field(default_factory=dict)


Failure = int | str | Reply


class FakeDesk:
    """Subclasses implement ``handle`` (and may override ``error_body``)."""

    hang = 2.0  # seconds a "timeout" answer takes; adapters under test wait less

    def __init__(self) -> None:
        self.seen: list[Seen] = []
        self.outage: Failure | None = None
        self.outage_methods: set[str] | None = None
        self._failures: deque[Failure] = deque()
        self.lock = threading.RLock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        serve = {"poll_interval": SHUTDOWN_POLL}
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs=serve, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def start(self: Desk) -> Desk:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def fail_next(self, *failures: Failure) -> None:
        with self.lock:
            self._failures.extend(failures)

    def handle(self, request: Seen) -> Reply:
        raise NotImplementedError

    def error_body(self, status: int) -> Any:
        return {"error": {"message": f"fake error {status}"}}

    def _answer(self, request: Seen) -> tuple[Reply, float]:
        """The reply to send and how long to wait before sending it."""
        with self.lock:
            self.seen.append(request)
            failure = self._failures.popleft() if self._failures else self.outage
            if self.outage_methods is not None and request.method not in self.outage_methods:
                failure = None
        if failure is None:
            return self.handle(request), 0.0
        if failure == "timeout":
            return Reply(504, self.error_body(504)), self.hang
        if failure == "accept-then-timeout":
            return self.handle(request), self.hang
        if failure == "malformed":
            return Reply(200, b'{"result": {"number": "INC00'), 0.0
        if isinstance(failure, Reply):
            return failure, 0.0
        assert isinstance(failure, int), failure
        headers = {"Retry-After": RETRY_AFTER} if failure in (429, 503) else {}
        return Reply(failure, self.error_body(failure), headers), 0.0

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        desk = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                request = Seen(
                    method=self.command,
                    path=parts.path,
                    query={k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()},
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=self.rfile.read(length) if length else b"",
                )
                reply, delay = desk._answer(request)
                time.sleep(delay)
                body = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting: that is the point of "timeout"

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler
