"""A stand-in intranet for the widget's browser tests: a page on another origin that embeds the
widget with one script tag, as a council's intranet would, under a strict Content-Security-Policy,
and its own token endpoint that signs for the member of staff "signed in" there.

It is a real HTTP server on loopback: Chromium lets a page reach a loopback server (AskIT, here)
only from a page on loopback itself. Its port is held for the whole session (``intranet_origin``)
so that every test stack can allow that origin before the page exists.
"""

from __future__ import annotations

import html
import json
import socket
import threading
import uuid
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bot.launcher import HOST


@lru_cache(maxsize=1)
def _intranet_socket() -> socket.socket:
    listening = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listening.bind((HOST, 0))
    listening.listen(16)
    return listening


def intranet_origin() -> str:
    return f"http://{HOST}:{_intranet_socket().getsockname()[1]}"


@dataclass(frozen=True)
class Staff:
    """Who the intranet says is signed in; ``token`` replaces the signed one (a forgery, say)."""

    sub: str
    email: str | None = None
    name: str | None = None
    tenant: str | None = None
    token: str | None = None


class Intranet:
    """Serves ``/?user=<key>&mode=inline|floating`` (the page) and ``/api/askit-token?user=<key>``."""

    def __init__(self, askit_url: str, sign: Any) -> None:
        self.askit_url, self.sign = askit_url, sign  # sign(sub, email=, name=, tenant=) -> token
        self.staff: dict[str, Staff] = {}
        self.token_requests: Counter[str] = Counter()
        self._server: ThreadingHTTPServer | None = None

    def add(self, staff: Staff) -> str:
        key = uuid.uuid4().hex[:12]
        self.staff[key] = staff
        return key

    def page_url(self, key: str, mode: str = "inline") -> str:
        return f"{intranet_origin()}/?user={key}&mode={mode}"

    def __enter__(self) -> Intranet:
        server = ThreadingHTTPServer((HOST, 0), self._handler(), bind_and_activate=False)
        server.socket.close()
        server.socket = _intranet_socket()
        server.server_address = server.socket.getsockname()
        self._server = server
        threading.Thread(target=server.serve_forever, name="intranet", daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()  # the listening socket stays held for the next one
            self._server = None

    def csp(self) -> str:
        askit = self.askit_url
        ws = askit.replace("http://", "ws://", 1)
        return (
            f"default-src 'none'; script-src {askit}; style-src {askit}; connect-src 'self' {askit} {ws}; "
            "img-src 'self'; base-uri 'none'; form-action 'self'"
        )

    def page(self, key: str, mode: str) -> str:
        e = html.escape
        return f"""<!doctype html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>IT help | Riverside Council intranet</title>
</head>
<body>
<header><p><a href="/?user={e(key)}">Riverside Council intranet</a></p>
<nav aria-label="Main"><a href="#news">News</a> <a href="#people">People</a></nav></header>
<main>
<h1>IT help</h1>
<p>Ask the IT assistant in your own words.</p>
<div id="askit-help"></div>
</main>
<script src="{e(self.askit_url)}/webhooks/webchat/askit-widget.js" data-token-url="/api/askit-token?user={e(key)}"
        data-mode="{e(mode)}" data-container="#askit-help" data-title="IT help assistant" defer></script>
</body>
</html>
"""

    def token(self, key: str) -> str | None:
        staff = self.staff.get(key)
        if staff is None:
            return None
        self.token_requests[key] += 1
        if staff.token is not None:
            return staff.token
        return str(self.sign(staff.sub, email=staff.email, name=staff.name, tenant=staff.tenant))

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        intranet = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return None

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                key = query.get("user", "")
                if url.path == "/" and key in intranet.staff:
                    body = intranet.page(key, query.get("mode", "inline")).encode()
                    self._send(200, "text/html; charset=utf-8", body, {"Content-Security-Policy": intranet.csp()})
                elif url.path == "/api/askit-token":
                    token = intranet.token(key)
                    if token is None:
                        self._send(401, "application/json", b'{"error": "not signed in"}')
                    else:
                        self._send(200, "application/json", json.dumps({"token": token}).encode())
                else:
                    self._send(404, "text/plain", b"Not found")

            def _send(self, status: int, content_type: str, body: bytes, headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

        return Handler
