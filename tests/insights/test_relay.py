"""Rasa's events through a real RabbitMQ (bot/insights/relay.py): published as Rasa's broker publishes
them, they reach the events table once each and in order, also when the relay stops between writing
and acknowledging; an unreachable RabbitMQ loses nothing and names where, never the password."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pika
import pika.exceptions
import pytest
from pika.adapters.blocking_connection import BlockingChannel

from bot import sql
from bot.amqp_url import EXCHANGE, QUEUE, AmqpUrl
from bot.insights import cli
from bot.insights.events import read_events
from bot.insights.relay import RelayError, relay
from bot.insights.store import InsightsStore
from tests.insights.history import Chat, Log
from tests.rabbitmq_server import PASSWORD, RabbitMQServer


@pytest.fixture(scope="module")
def rabbitmq() -> Iterator[RabbitMQServer]:
    server = RabbitMQServer()
    yield server
    server.stop()


@pytest.fixture
def amqp(rabbitmq: RabbitMQServer) -> Iterator[AmqpUrl]:
    url = AmqpUrl.parse(rabbitmq.url())
    yield url
    with pika.BlockingConnection(pika.URLParameters(rabbitmq.url())) as connection:
        connection.channel().queue_delete(QUEUE)  # each test starts with no queue, as a new site does


def publish(url: AmqpUrl, bodies: list[bytes]) -> None:
    """As Rasa's broker publishes (rasa/core/brokers/pika.py): its fanout exchange, the durable queue bound to it."""
    params = pika.ConnectionParameters(url.host, url.port, credentials=pika.PlainCredentials(url.username, PASSWORD))
    with pika.BlockingConnection(params) as connection:
        channel = connection.channel()
        channel.exchange_declare(EXCHANGE, exchange_type="fanout")
        channel.queue_declare(QUEUE, durable=True)
        channel.queue_bind(QUEUE, EXCHANGE, routing_key="")
        for body in bodies:
            channel.basic_publish(EXCHANGE, "", body, pika.BasicProperties(delivery_mode=2))


def a_day_of_questions() -> Log:
    log = Log()
    for n in range(30):
        chat = Chat(log, f"staff-{n}")
        chat.answered("I forgot my password", "password-reset")
        if n % 3 == 0:
            chat.helped()
    return log


def bodies(log: Log) -> list[bytes]:
    return [json.dumps(e).encode() for e in log.events]


def stored(db: sql.Database) -> list[dict[str, Any]]:
    return [e.data for e in read_events(db, 0, 1_000_000)]


def test_published_events_reach_the_table_in_order_and_load_as_from_the_sql_broker(
    amqp: AmqpUrl, tmp_path: Path
) -> None:
    log = a_day_of_questions()
    publish(amqp, bodies(log))
    events = sql.open_database(tmp_path / "events.db")
    assert relay(amqp, events, batch=7) == len(log.events)
    assert stored(events) == log.events
    assert relay(amqp, events) == 0  # the queue is empty now

    through_rabbitmq = InsightsStore.open(tmp_path / "insights.sqlite")
    through_rabbitmq.load(events)
    straight = InsightsStore.open(tmp_path / "straight.sqlite")
    straight.load(sql.open_database(log.write(tmp_path / "sql-broker.db")))
    assert through_rabbitmq.figures() == straight.figures() and len(straight.questions()) == 30


def test_a_relay_stopped_before_it_acknowledged_writes_nothing_twice(
    amqp: AmqpUrl, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = a_day_of_questions()
    publish(amqp, bodies(log))
    events = sql.open_database(tmp_path / "events.db")

    def lost(self: BlockingChannel, *args: Any, **kwargs: Any) -> None:
        raise pika.exceptions.StreamLostError("the connection went here")

    with monkeypatch.context() as patched:
        patched.setattr(BlockingChannel, "basic_ack", lost)  # the first batch is written, never acknowledged
        with pytest.raises(RelayError, match="what was not acknowledged stays queued"):
            relay(amqp, events, batch=40)
    assert len(stored(events)) == 40
    assert relay(amqp, events, batch=40) == len(log.events) - 40  # RabbitMQ delivers the 40 again: skipped
    assert stored(events) == log.events


def test_a_message_that_is_not_an_event_is_kept_and_passed_over(amqp: AmqpUrl, tmp_path: Path) -> None:
    publish(amqp, [b"\xff not json", b'["a list"]', *bodies(a_day_of_questions())[:4]])
    events = sql.open_database(tmp_path / "events.db")
    assert relay(amqp, events) == 6
    kinds = [e.kind for e in read_events(events, 0, 100)]
    assert kinds[:2] == ["unreadable", "unreadable"] and kinds[2] == "user"
    store = InsightsStore.open(tmp_path / "insights.sqlite")
    assert store.load(events).events == 6 and len(store.questions()) == 1


@pytest.mark.parametrize("why", ["nothing listens there", "a wrong password"])
def test_an_unreachable_rabbitmq_loses_nothing_and_hides_the_password(
    why: str, rabbitmq: RabbitMQServer, amqp: AmqpUrl, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    publish(amqp, bodies(a_day_of_questions())[:5])
    wrong = "hunter2-not-logged"
    url = rabbitmq.url(wrong) if why == "a wrong password" else f"amqp://askit:{wrong}@127.0.0.1:1/"
    monkeypatch.setenv("EVENTS_AMQP_URL", url)
    monkeypatch.setenv("EVENTS_DB_URL", f"sqlite:///{tmp_path / 'events.db'}")
    monkeypatch.setenv("ASKIT_BACKOFFICE_DB", str(tmp_path / "insights.sqlite"))
    assert cli.main(["load"]) == 2
    said = capsys.readouterr()
    assert "error: RabbitMQ at amqp://" in said.err and "cannot be reached" in said.err
    assert wrong not in said.out + said.err
    assert relay(amqp, sql.open_database(tmp_path / "events.db")) == 5  # they waited in the queue


def test_load_moves_the_queue_first_and_says_so(
    rabbitmq: RabbitMQServer, amqp: AmqpUrl, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    log = a_day_of_questions()
    publish(amqp, bodies(log))
    monkeypatch.setenv("EVENTS_AMQP_URL", rabbitmq.url())
    monkeypatch.setenv("EVENTS_DB_URL", f"sqlite:///{tmp_path / 'events.db'}")
    monkeypatch.setenv("ASKIT_BACKOFFICE_DB", str(tmp_path / "insights.sqlite"))
    assert cli.main(["load"]) == 0
    said = capsys.readouterr().out
    assert said.startswith(f"{len(log.events)} events moved from RabbitMQ; {len(log.events)} events: 30 questions")
    assert PASSWORD not in said
