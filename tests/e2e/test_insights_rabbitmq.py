"""Insights through RabbitMQ, where an organisation runs one: the real Rasa server publishes every
event to a real RabbitMQ (EVENTS_AMQP_URL), the loader moves them into the events table and counts
them. While RabbitMQ is down staff still get their answers, and what Rasa could not publish then
arrives once it is back: nothing lost, nothing counted twice."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import sql
from bot.amqp_url import AmqpUrl
from bot.insights.relay import relay
from bot.insights.store import InsightsStore
from bot.launcher import ACTIONS_PYTHON, ROOT
from tests.e2e.conftest import Chat, custom, running_chat
from tests.rabbitmq_server import PASSWORD, RabbitMQServer
from tests.waiting import wait_until

ARRIVAL = 60.0  # Rasa reconnects to a restarted RabbitMQ within seconds (aio-pika: every 5 s)


@pytest.fixture(scope="module")
def rabbitmq() -> Iterator[RabbitMQServer]:
    server = RabbitMQServer()
    yield server
    server.stop()


@pytest.mark.own_stack
def test_events_through_rabbitmq_are_counted_once_across_its_restart(rabbitmq: RabbitMQServer, tmp_path: Path) -> None:
    run = uuid.uuid4().hex[:8]
    events = sql.open_database(tmp_path / "events-from-rabbitmq.db")
    store = InsightsStore.open(tmp_path / "insights.sqlite")
    amqp = AmqpUrl.parse(rabbitmq.url())

    def asked() -> set[str]:
        relay(amqp, events)
        store.load(events)
        return {q.conversation for q in store.questions()}

    with running_chat(tmp_path / "stack", {"EVENTS_AMQP_URL": rabbitmq.url()}) as chat:
        before = f"before-{run}"
        assert custom(chat.say(before, "I forgot my password"))["decision"] == "answer"

        def while_down() -> None:
            reply = custom(chat.say(f"during-{run}", "the vpn won't connect"))
            assert reply["decision"] in ("answer", "clarify"), reply  # staff are answered all the same

        rabbitmq.restart(between=while_down)
        after = f"after-{run}"
        assert custom(chat.say(after, "I forgot my password"))["decision"] == "answer"
        wait_until(lambda: {before, f"during-{run}", after} <= asked(), ARRIVAL, "the three questions to arrive")
        assert_logs_without_password(chat)

    questions = [q for q in store.questions() if q.conversation.endswith(run)]
    assert sorted(q.conversation for q in questions) == sorted([before, f"during-{run}", after])  # each once
    assert relay(amqp, events) == 0 and store.load(events).events == 0
    assert not (tmp_path / "stack" / "events.db").exists()  # Rasa wrote its events to RabbitMQ only


def assert_logs_without_password(chat: Chat) -> None:
    """Nor what staff typed: Rasa logs each event it could not publish, and it named the message."""
    logs = chat.stack.log_dir
    assert logs is not None
    for log in logs.glob("*.log"):
        text = log.read_text(errors="replace")
        assert PASSWORD not in text and "the vpn won't connect" not in text, log.name
    assert "pika.events.publish.failed" in (logs / "rasa server.log").read_text(errors="replace")  # it did fail


@pytest.mark.own_stack
def test_the_load_command_moves_the_queue_and_loads_it(rabbitmq: RabbitMQServer, tmp_path: Path) -> None:
    with running_chat(tmp_path / "stack", {"EVENTS_AMQP_URL": rabbitmq.url()}) as chat:
        chat.say(f"cli-{uuid.uuid4().hex[:8]}", "I forgot my password")
        env = {
            **os.environ,
            "EVENTS_AMQP_URL": rabbitmq.url(),
            "EVENTS_DB_URL": f"sqlite:///{tmp_path / 'events.db'}",
            "ASKIT_BACKOFFICE_DB": str(tmp_path / "insights.sqlite"),
            "HF_HUB_OFFLINE": "1",
        }
        done = subprocess.run(
            [str(ACTIONS_PYTHON), "-m", "bot.insights", "load"], cwd=ROOT, env=env, capture_output=True, text=True
        )
    assert done.returncode == 0, done.stderr
    assert "events moved from RabbitMQ" in done.stdout and " 1 questions" in done.stdout, done.stdout
    assert PASSWORD not in done.stdout + done.stderr
