"""Ticket news pushed through the Rasa server's HTTP API (bot/rasa_api.py), against a stand-in for
that API on loopback. It speaks Rasa's documented wire format ("Inject an intent into a
conversation", rasa/server.py in 3.6): POST /conversations/<id>/trigger_intent?token=...&output_channel=latest
with a JSON body {"name": <intent>}; 401 without the server's token, 400 without a name, 404 for an
intent the domain does not have, else 200 with the tracker."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from bot.launcher import free_port
from bot.paths import ROOT
from bot.rasa_api import EXTERNAL_INTENT, PUSH_CHANNELS, RasaNotifier
from bot.secret import Secret

TOKEN = "rasa-api-token-5531"
WAIT = 10.0  # seconds; only a failing test waits this long
PREFIX, SUFFIX = "/conversations/", "/trigger_intent"


def domain_intents() -> set[str]:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    return {next(iter(i)) if isinstance(i, dict) else str(i) for i in domain["intents"]}


@dataclass(frozen=True)
class Call:
    conversation_id: str
    query: dict[str, list[str]]
    content_type: str | None
    body: Any


class FakeRasa:
    """Rasa's /conversations/<id>/trigger_intent, recording each call. ``status`` forces an answer;
    while ``hold`` is clear, a call is recorded and then kept waiting for its answer."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.status: int | None = None
        self.received = threading.Event()
        self.hold = threading.Event()
        self.hold.set()
        self.intents = domain_intents()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FakeRasa:
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.hold.set()
        self._server.shutdown()
        self._server.server_close()

    def answer(self, call: Call, path: str) -> tuple[int, dict[str, Any]]:
        if call.query.get("token") != [TOKEN]:
            return 401, {"status": "failure", "reason": "NotAuthenticated", "code": 401}
        if not (path.startswith(PREFIX) and path.endswith(SUFFIX)):
            return 404, {"status": "failure", "reason": "NotFound", "code": 404}
        name = call.body.get("name") if isinstance(call.body, dict) else None
        if not name:
            return 400, {"status": "failure", "reason": "BadRequest", "code": 400}
        if name not in self.intents:
            return 404, {"status": "failure", "reason": "NotFound", "code": 404}
        return self.status or 200, {"tracker": {"sender_id": call.conversation_id}}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

            def do_POST(self) -> None:
                parts = urlsplit(self.path)
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                conversation = parts.path.removeprefix(PREFIX).removesuffix(SUFFIX)  # not decoded, as Sanic
                call = Call(conversation, parse_qs(parts.query), self.headers.get("Content-Type"), json.loads(raw))
                fake.calls.append(call)
                fake.received.set()
                fake.hold.wait(WAIT)
                status, body = fake.answer(call, parts.path)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler


@pytest.fixture
def rasa() -> Iterator[FakeRasa]:
    with FakeRasa() as fake:
        yield fake


def notifier_for(rasa: FakeRasa, token: str = TOKEN) -> RasaNotifier:
    return RasaNotifier(rasa.url, Secret(token), delay=0)


def notify_later(notifier: RasaNotifier, conversation_id: str, still_news: Callable[[], bool]) -> set[threading.Thread]:
    """``notifier.notify_later``, and the thread it started (unless it has ended already)."""
    before = set(threading.enumerate())
    notifier.notify_later(conversation_id, still_news)
    return {t for t in set(threading.enumerate()) - before if t.name == "rasa-notify"}


def finish(threads: set[threading.Thread]) -> None:
    """Wait for ``notify_later``'s threads to end: whatever they were to send has been sent (or not)."""
    for thread in threads:
        thread.join(WAIT)
        assert not thread.is_alive(), "notify_later's thread did not finish"


@pytest.mark.parametrize(
    "env,url",
    [
        ({"ASKIT_RASA_URL": "http://127.0.0.1:5005", "ASKIT_RASA_TOKEN": TOKEN}, "http://127.0.0.1:5005"),
        ({"ASKIT_RASA_URL": " http://127.0.0.1:5005/ ", "ASKIT_RASA_TOKEN": f" {TOKEN}\n"}, "http://127.0.0.1:5005"),
        ({"ASKIT_RASA_URL": "http://127.0.0.1:5005"}, None),  # no token: Rasa would refuse every call
        ({"ASKIT_RASA_URL": "http://127.0.0.1:5005", "ASKIT_RASA_TOKEN": "  "}, None),
        ({"ASKIT_RASA_TOKEN": TOKEN}, None),
        ({}, None),  # not started by bot/launcher.py: nothing is pushed
    ],
)
def test_from_env_needs_both_the_url_and_the_token(env: dict[str, str], url: str | None) -> None:
    notifier = RasaNotifier.from_env(env)
    assert (notifier.url if notifier else None) == url
    assert TOKEN not in repr(notifier)


@pytest.mark.parametrize("conversation_id", ["web-3f9a", "a:1xYz-personal", "19:abc@thread.tacv2;messageid=17"])
def test_notify_triggers_the_news_intent_in_that_conversation_on_its_latest_channel(
    rasa: FakeRasa, conversation_id: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.rasa_api"):
        notifier_for(rasa).notify(conversation_id)
    assert rasa.calls == [
        Call(
            conversation_id,
            {"output_channel": ["latest"], "token": [TOKEN]},
            "application/json",
            {"name": EXTERNAL_INTENT},
        )
    ]
    assert caplog.records == []  # Rasa answered 200: it knows the intent (domain.yml)


@pytest.mark.parametrize("conversation_id", ["29:1xYz/ab?c=d#e", "a b%2Fc", "ünï-çødé", "../../status"])
def test_a_conversation_the_api_cannot_name_is_not_pushed_to(
    rasa: FakeRasa, conversation_id: str, caplog: pytest.LogCaptureFixture
) -> None:
    # Rasa does not decode its path: "a%2Fb" would name another conversation, so none is asked
    assert notifier_for(rasa).notify(conversation_id) is False and rasa.calls == []
    assert [r.getMessage() for r in caplog.records] == [
        f"cannot push ticket news to conversation {conversation_id!r}: Rasa's API cannot name it"
    ]


def test_a_url_with_a_trailing_slash_gives_the_same_path(rasa: FakeRasa) -> None:
    RasaNotifier(rasa.url + "/", Secret(TOKEN)).notify("web-1")
    assert [c.conversation_id for c in rasa.calls] == ["web-1"]


@pytest.mark.parametrize("failure", ["wrong token", "HTTP 500", "HTTP 409", "not running"])
def test_a_failed_push_is_logged_without_the_token_and_never_raised(
    rasa: FakeRasa, failure: str, caplog: pytest.LogCaptureFixture
) -> None:
    # The user still hears the news on their next message: a push that fails must not stop the worker.
    notifier = notifier_for(rasa, "not-the-token" if failure == "wrong token" else TOKEN)
    if failure.startswith("HTTP"):
        rasa.status = int(failure.split()[1])
    if failure == "not running":
        notifier = RasaNotifier(f"http://127.0.0.1:{free_port()}", Secret(TOKEN))
    with caplog.at_level(logging.WARNING, logger="bot.rasa_api"):
        notifier.notify("web-7")
    [record] = caplog.records
    assert "could not push ticket news to conversation web-7" in record.getMessage()
    assert TOKEN not in caplog.text and "not-the-token" not in caplog.text


@pytest.mark.parametrize("news", [True, False])
def test_notify_later_pushes_only_what_is_still_news(rasa: FakeRasa, news: bool) -> None:
    asked_in: list[str] = []

    def still_news() -> bool:
        asked_in.append(threading.current_thread().name)
        return news

    finish(notify_later(notifier_for(rasa), "web-9", still_news))
    assert asked_in == ["rasa-notify"]  # asked after the delay, in its own thread, not by the caller
    assert [c.conversation_id for c in rasa.calls] == (["web-9"] if news else [])


def test_notify_later_never_waits_for_rasa(rasa: FakeRasa) -> None:
    rasa.hold.clear()  # Rasa takes the call and sits on it
    pushing = notify_later(notifier_for(rasa), "web-11", lambda: True)  # returns: the worker goes on
    assert rasa.received.wait(WAIT), "the push never reached Rasa"
    assert [c.conversation_id for c in rasa.calls] == ["web-11"]  # in flight while the caller is free
    assert all(t.daemon for t in pushing)  # and a Rasa that never answers cannot hold up the worker's exit
    rasa.hold.set()
    finish(pushing)


@pytest.mark.parametrize(
    "channel,pushed",
    [
        ("webchat", True),  # its socket.io output channel can send outside a turn
        ("teams", True),  # the Bot Framework connector can post to a conversation at any time
        ("rest", False),  # answers only in the HTTP response of the user's own message
        ("socketio", False),  # not an AskIT channel
        ("cmdline", False),
        ("", False),
    ],
)
def test_only_channels_that_can_speak_later_are_pushed(channel: str, pushed: bool) -> None:
    assert (channel in PUSH_CHANNELS) is pushed
