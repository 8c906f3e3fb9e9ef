"""make shell's terminal chat: what it sends, and buttons pressed by number."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from bot import terminal_chat


class FakeRest(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[dict[str, Any], str | None]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeRest.received.append((body, self.headers.get("Authorization")))
        button = {"title": "VPN", "payload": '/choose_article{"article_id":"vpn"}'}
        answer = [{"text": "Which one?", "buttons": [button]}]
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def rest() -> Iterator[str]:
    FakeRest.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeRest)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/webhooks/rest/webhook"
    server.shutdown()


def test_typed_lines_are_sent_and_a_number_presses_a_button(
    rest: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ASKIT_REST_TOKEN", "t0ken")
    monkeypatch.setattr("sys.stdin", io.StringIO("printer broken\n1\n"))
    assert terminal_chat.main(["--url", rest, "--sender", "me"]) == 0
    assert [(b["sender"], b["message"], auth) for b, auth in FakeRest.received] == [
        ("me", "printer broken", "Bearer t0ken"),
        ("me", '/choose_article{"article_id":"vpn"}', "Bearer t0ken"),
    ]
    assert "AskIT: Which one?" in capsys.readouterr().out


def test_a_server_that_is_not_running_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("hi\n"))
    assert terminal_chat.main(["--url", "http://127.0.0.1:9/webhooks/rest/webhook"]) == 1
