"""The action server's door: only the Rasa server (which holds the token) may call it, and its errors
never echo what was sent. A real Sanic server on loopback, with stand-in actions."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from bot.action_auth import ACTION_TOKEN_SETTING, authorization, authorized
from bot.action_server import INSECURE_FLAG, action_call_problem, main
from bot.launcher import free_port
from bot.paths import ROOT
from tests.action_calls import action_call
from tests.waiting import exited, wait_until

TOKEN = "test-action-token-0123456789"
MARKER = "tracker-secret-marker-4711"  # in request bodies and an exception's message: never to come back
START_TIMEOUT = 60.0
POLL = 0.1
TIMEOUT = 10

SERVER = """
import sys
from rasa_sdk import Action
from rasa_sdk.executor import ActionExecutor
from bot.action_server import build_app, serve

class Hello(Action):
    def name(self):
        return "action_hello"

    async def run(self, dispatcher, tracker, domain):
        dispatcher.utter_message(text="hello")
        return []

class Boom(Action):
    def name(self):
        return "action_boom"

    async def run(self, dispatcher, tracker, domain):
        raise RuntimeError("boom: " + tracker.latest_message.get("text", ""))

executor = ActionExecutor()
executor.register_action(Hello)
executor.register_action(Boom)
serve(build_app(executor, sys.argv[2]), "127.0.0.1", int(sys.argv[1]))
"""


@dataclass
class ActionServer:
    url: str
    log: Path

    def call(self, action: str, headers: dict[str, str] | None = None, text: str = MARKER) -> requests.Response:
        return requests.post(f"{self.url}/webhook", json=action_call(action, text), headers=headers, timeout=TIMEOUT)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ActionServer]:
    port, log = free_port(), tmp_path_factory.mktemp("action-server") / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", SERVER, str(port), TOKEN],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    started = ActionServer(f"http://127.0.0.1:{port}", log)
    try:
        health = f"{started.url}/health"
        died = exited(proc, "the action server")
        try:
            wait_until(lambda: answers(health), START_TIMEOUT, "the action server to start", interval=POLL, died=died)
        except AssertionError as failed:
            raise AssertionError(f"{failed}\n{started.log_text()}") from None
        yield started
    finally:
        proc.terminate()
        proc.wait(timeout=TIMEOUT)


def answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=1).status_code == 200
    except requests.ConnectionError:
        return False


@pytest.mark.parametrize(
    "header,expected",
    [
        (f"Bearer {TOKEN}", True),
        (TOKEN, False),  # the scheme is part of the header
        (f"Bearer {TOKEN}x", False),
        (f"bearer {TOKEN}", False),
        ("Bearer ", False),
        ("", False),
        (None, False),
        ("Bearer tökén", False),  # non-ASCII: refused, not a TypeError from compare_digest
    ],
)
def test_only_the_exact_token_is_authorized(header: str | None, expected: bool) -> None:
    assert authorized(header, TOKEN) is expected


@pytest.mark.parametrize(
    "version,problem",
    [("3.6.21", None), (None, None), (["3.6.21"], "version must be text"), ({"a": 1}, "version must be text")],
)
def test_a_version_that_is_not_text_is_refused_before_rasa_sdk(version: object, problem: str | None) -> None:
    # rasa-sdk's version check called .split on it: a list there was a 500 (found by benchmarks/fuzz.py).
    call = action_call("action_hello", "hi")
    assert action_call_problem({**call, "version": version}) == problem


def test_the_health_check_needs_no_token(server: ActionServer) -> None:
    assert requests.get(f"{server.url}/health", timeout=TIMEOUT).json() == {"status": "ok"}


@pytest.mark.parametrize("headers", [None, authorization("a-wrong-token"), {"Authorization": TOKEN}])
def test_a_forged_action_call_is_refused_and_not_run(server: ActionServer, headers: dict[str, str] | None) -> None:
    answer = server.call("action_hello", headers)
    assert answer.status_code == 401
    assert answer.json() == {"error": "unauthorized"}
    assert "hello" not in answer.text and MARKER not in answer.text


def test_the_list_of_actions_needs_the_token(server: ActionServer) -> None:
    refused = requests.get(f"{server.url}/actions", timeout=TIMEOUT)
    assert (refused.status_code, refused.json()) == (401, {"error": "unauthorized"})
    listed = requests.get(f"{server.url}/actions", headers=authorization(TOKEN), timeout=TIMEOUT)
    assert listed.status_code == 200
    assert {"action_hello", "action_boom"} <= {a["name"] for a in listed.json()}


def test_with_the_token_the_action_runs(server: ActionServer) -> None:
    answer = server.call("action_hello", authorization(TOKEN))
    assert answer.status_code == 200
    assert [m["text"] for m in answer.json()["responses"]] == ["hello"]


def test_an_unknown_url_is_a_plain_404(server: ActionServer) -> None:
    answer = requests.get(f"{server.url}/nonexistent", headers=authorization(TOKEN), timeout=TIMEOUT)
    assert (answer.status_code, answer.json()) == (404, {"error": "not found"})
    unauthorized = requests.get(f"{server.url}/nonexistent", timeout=TIMEOUT)
    assert unauthorized.status_code == 401  # no token, no hint of what exists
    assert "Traceback" not in answer.text + unauthorized.text + server.log_text()


def test_a_malformed_body_is_refused_without_an_echo(server: ActionServer) -> None:
    answer = requests.post(
        f"{server.url}/webhook",
        data=f'{{"next_action": "action_hello", "tracker": "{MARKER}',
        headers={**authorization(TOKEN), "Content-Type": "application/json"},
        timeout=TIMEOUT,
    )
    assert 400 <= answer.status_code < 500
    assert MARKER not in answer.text and MARKER not in server.log_text()


def test_an_action_that_fails_answers_a_fixed_message_and_logs_only_its_type(server: ActionServer) -> None:
    answer = server.call("action_boom", authorization(TOKEN))
    assert (answer.status_code, answer.json()) == (500, {"error": "internal error"})
    log = server.log_text()
    assert "RuntimeError" in log and "Traceback" not in log
    assert MARKER not in answer.text and MARKER not in log  # the exception's message quotes the tracker


def test_without_a_token_it_refuses_to_start(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv(ACTION_TOKEN_SETTING, raising=False)
    assert main(["--port", str(free_port())]) == 2
    message = capsys.readouterr().err
    assert ACTION_TOKEN_SETTING in message and INSECURE_FLAG in message
