"""One user's slow service desk holds up nobody else (issue 11): the real action server, with the
real actions, in front of a ServiceNow on loopback that takes 3 s to answer a look-up. While one
user's status question waits for it, another user's knowledge question is answered at once."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from bot.action_auth import ACTION_TOKEN_SETTING, authorization
from bot.identity import SEAL_KEY_SETTING
from bot.launcher import ACTION_READY_TIMEOUT, ACTION_SERVER, ACTIONS_PYTHON, HOST, free_port
from bot.supervisor import Backoff, Server, Supervisor
from tests.action_calls import action_call
from tests.servicedesk.fake_servicenow import TOKEN as SERVICENOW_TOKEN
from tests.servicedesk.fake_servicenow import FakeServiceNow
from tests.waiting import wait_until

pytestmark = pytest.mark.own_stack  # starts servers of its own: the second end-to-end process

DESK_DELAY = 3.0
TIMEOUT = 30


class ActionServer:
    def __init__(self, url: str, token: str) -> None:
        self.url, self.token = url, token

    def run(self, action: str, text: str, intent: str, sender: str) -> tuple[float, dict[str, Any]]:
        """Seconds the call took, and the action server's answer."""
        call = action_call(action, text, sender, intent)
        started = time.perf_counter()
        answer = requests.post(f"{self.url}/webhook", json=call, headers=authorization(self.token), timeout=TIMEOUT)
        answer.raise_for_status()
        return time.perf_counter() - started, answer.json()


@pytest.fixture(scope="module")
def slow_desk() -> Iterator[FakeServiceNow]:
    desk = FakeServiceNow().start()
    yield desk
    desk.stop()


@pytest.fixture(scope="module")
def action_server(slow_desk: FakeServiceNow, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ActionServer]:
    work, port, token = tmp_path_factory.mktemp("slow-desk"), free_port(), secrets.token_urlsafe(32)
    env = {
        "PATH": "/usr/bin:/bin",
        "HF_HUB_OFFLINE": "1",
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
        ACTION_TOKEN_SETTING: token,
        SEAL_KEY_SETTING: secrets.token_urlsafe(32),
        "ASKIT_SERVICE_DESK": "servicenow",
        "ASKIT_SERVICENOW_URL": slow_desk.url,
        "ASKIT_SERVICENOW_TOKEN": SERVICENOW_TOKEN,
        "ASKIT_OUTBOX_DB": str(work / "outbox.sqlite"),
        "ASKIT_WATCH_ARTICLES": "0",
    }
    supervisor = Supervisor(env, work / "logs", Backoff())
    url = f"http://{HOST}:{port}"
    command = [str(ACTIONS_PYTHON), "-m", "bot.action_server", "--port", str(port), "--host", HOST]
    supervisor.start(Server(ACTION_SERVER, command, f"{url}/health", ACTION_READY_TIMEOUT))
    try:
        yield ActionServer(url, token)
    finally:
        supervisor.stop()


def test_a_knowledge_question_is_answered_while_another_user_waits_on_a_slow_desk(
    slow_desk: FakeServiceNow, action_server: ActionServer
) -> None:
    action_server.run("action_answer_question", "I forgot my password", "ask_question", "warm-up")
    slow_desk.hang, slow_desk.outage, slow_desk.outage_methods = DESK_DELAY, "accept-then-timeout", {"GET"}
    try:
        with ThreadPoolExecutor(2) as pool:
            status = pool.submit(
                action_server.run, "action_ticket_status", "what's happening with INC0010001", "ticket_status", "pat"
            )
            # the status look-up has reached the desk, which now sits on it
            wait_until(lambda: bool(slow_desk.seen), TIMEOUT, "the status look-up to reach the desk", interval=0.01)
            took, answer = action_server.run("action_answer_question", "I forgot my password", "ask_question", "sam")
            status_took, _ = status.result()
    finally:
        slow_desk.outage = None
    assert answer["responses"][0]["custom"] == {"decision": "answer", "article_id": "password-reset"}
    assert status_took >= DESK_DELAY  # the desk really was slow, and the status call waited for it
    assert took < 1.0, f"the knowledge question took {took:.2f} s while the desk was slow"
