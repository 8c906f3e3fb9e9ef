"""Two real Rasa servers serving the widget, sharing a PostgreSQL tracker store and a Redis
(REDIS_URL), as the scale-out deployment runs them (docs/widget.md, "Several replicas"): a member of
staff whose connection moves from one replica to the other goes on with the same conversation, and
a message the other replica sends reaches them. The widget's own protocol, through a real
socket.io client over a web socket (tests/e2e/widget_client.py)."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from bot.channels.widget_config import REDIS_URL_SETTING
from bot.launcher import RASA_READY_TIMEOUT, RASA_SERVER, Stack, free_port
from bot.supervisor import Server, Supervisor
from tests.e2e.conftest import REQUEST_TIMEOUT, Chat, running_chat
from tests.e2e.widget_client import WidgetClient, custom_has
from tests.postgres import PostgresServer
from tests.redis_server import RedisServer
from tests.waiting import wait_until

pytestmark = pytest.mark.own_stack  # starts servers of its own: the second end-to-end process


@dataclasses.dataclass
class Replicas:
    chat: Chat  # replica A, with the action server
    b: Stack  # replica B: a second Rasa server with the same settings and tokens

    def turn_kept(self, replica: Stack, conversation: str, text: str) -> bool:
        """Whether the turn that answered ``text`` is in the tracker store (a turn is saved whole)."""
        return any(e["event"] == "user" and e["text"] == text for e in self.tracker(replica, conversation)["events"])

    def tracker(self, replica: Stack, conversation: str) -> dict[str, Any]:
        reply = requests.get(
            f"{replica.rasa_url}/conversations/{conversation}/tracker",
            params={"token": replica.api_token},
            timeout=REQUEST_TIMEOUT,
        )
        reply.raise_for_status()
        tracker: dict[str, Any] = reply.json()
        return tracker


@pytest.fixture(scope="module")
def replicas(postgres: PostgresServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replicas]:
    work = tmp_path_factory.mktemp("widget-replicas")
    redis = RedisServer()
    tracker = postgres.create_database(f"tracker_{uuid.uuid4().hex[:8]}")
    settings = {"TRACKER_DB_URL": tracker, REDIS_URL_SETTING: redis.url()}
    try:
        with running_chat(work, settings) as chat:
            b = dataclasses.replace(chat.stack, rasa_port=free_port(), log_dir=work / "logs-b")
            second = Supervisor(b.env(), b.log_dir, b.backoff)
            second.start(Server(RASA_SERVER, b.rasa_command(), f"{b.rasa_url}/", RASA_READY_TIMEOUT))
            try:
                yield Replicas(chat, b)
            finally:
                second.stop()
    finally:
        redis.stop()


def test_a_user_whose_connection_moves_to_the_other_replica_keeps_the_conversation(replicas: Replicas) -> None:
    a, b = replicas.chat.stack, replicas.b
    token = replicas.chat.widget_token(f"moves-{uuid.uuid4().hex[:8]}", name="Mo Ves", tenant="riverside")
    first = "the vpn won't connect from home"
    with WidgetClient(a.rasa_url, token) as on_a:
        conversation = on_a.client.call("session", {"new": False}, timeout=REQUEST_TIMEOUT)["session_id"]
        on_a.say(first, custom_has("article_id", "vpn-connect"))
    # A reply is sent before its turn is saved. Without Rasa's Redis lock store (endpoints.yml has
    # in_memory here) a turn on the other replica starting in between reads the tracker without it,
    # and the later save loses one of the two: each turn is let finish before the next replica's.
    wait_until(lambda: replicas.turn_kept(a, conversation, first), REQUEST_TIMEOUT, "A's turn")
    # The connection comes back on the other replica: the same conversation, where it was.
    with WidgetClient(b.rasa_url, token) as on_b:
        assert on_b.client.call("session", {"new": False}, timeout=REQUEST_TIMEOUT)["session_id"] == conversation
        offer = on_b.say("it still doesn't work", custom_has("flow", "ticket_offer"))
        assert offer["custom"]["article_id"] == "vpn-connect"  # B knew which article had not helped
        wait_until(lambda: replicas.turn_kept(b, conversation, "it still doesn't work"), REQUEST_TIMEOUT, "B's turn")
        # News from replica A (Rasa's API there, as the ticket worker uses it) reaches the widget on B.
        start = len(on_b.received)
        pushed = requests.post(
            f"{a.rasa_url}/conversations/{conversation}/trigger_intent",
            params={"output_channel": "latest", "token": a.api_token},
            json={"name": "greet"},
            timeout=REQUEST_TIMEOUT,
        )
        pushed.raise_for_status()
        hello = on_b.wait_for(lambda m: m["text"].startswith("Hello! I'm AskIT"), start=start)
        on_b.say("thanks", lambda m: m["text"] != hello["text"])
        assert [m["text"] for m in on_b.received[start:]].count(hello["text"]) == 1  # once, not once per replica
    events = replicas.tracker(b, conversation)["events"]
    users = [e["text"] for e in events if e["event"] == "user"]
    assert users == ["the vpn won't connect from home", "it still doesn't work", "EXTERNAL: greet", "thanks"]
