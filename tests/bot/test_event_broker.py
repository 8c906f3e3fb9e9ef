"""The event broker Rasa uses (Rasa environment): every event of a turn reaches the ``events``
table in order, or with EVENTS_AMQP_URL a real RabbitMQ's queue; typed secrets never do, and a
database that fails loses the event, not the turn."""

from __future__ import annotations

import asyncio
import json
import logging
import multiprocessing
import sqlite3
import uuid
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import aio_pika
import pytest
from rasa.core.brokers.broker import EventBroker
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import ConnectionException
from rasa.utils.endpoints import EndpointConfig

from bot.amqp_url import EVENTS_AMQP_URL_SETTING, QUEUE
from bot.event_broker import SafePikaEventBroker, SafeSQLEventBroker
from bot.tracker_store import SafeSQLTrackerStore
from tests.postgres import PostgresServer
from tests.rabbitmq_server import PASSWORD, RabbitMQServer

TYPE = "bot.event_broker.SQLOrRabbitMQ"  # as endpoints.yml names it


def rows(path: Path) -> list[tuple[int, str, dict[str, object]]]:
    with sqlite3.connect(path) as db:
        return [(i, s, json.loads(d)) for i, s, d in db.execute("SELECT id, sender_id, data FROM events ORDER BY id")]


def a_turn(typed: str) -> DialogueStateTracker:
    tracker = DialogueStateTracker("alice", slots=[])
    tracker.update(UserUttered(typed, {"name": "ask", "confidence": 1.0}, parse_data={"text": typed}))
    tracker.update(BotUttered("Try this", data={"custom": {"decision": "answer", "article_id": "outlook-password"}}))
    tracker.update(ActionExecuted("action_listen"))
    return tracker


TYPED = "my password is Winter2026! and outlook still fails"


def test_a_saved_turn_reaches_the_broker_in_order_without_typed_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(EVENTS_AMQP_URL_SETTING, raising=False)
    broker = asyncio.run(EventBroker.create(EndpointConfig(url=f"sqlite:///{tmp_path / 'events.db'}", type=TYPE)))
    assert isinstance(broker, SafeSQLEventBroker)
    store = SafeSQLTrackerStore(domain=Domain.empty(), host=f"sqlite:///{tmp_path / 'tracker.db'}", event_broker=broker)
    asyncio.run(store.save(a_turn(TYPED)))
    stored = rows(tmp_path / "events.db")
    assert [(s, d["event"]) for _, s, d in stored] == [("alice", "user"), ("alice", "bot"), ("alice", "action")]
    user = stored[0][2]
    assert "Winter2026!" not in json.dumps(stored) and "[redacted]" in str(user["text"])
    assert stored[1][2]["data"]["custom"]["article_id"] == "outlook-password"  # type: ignore[index]


@pytest.fixture(scope="module")
def rabbitmq() -> Iterator[RabbitMQServer]:
    server = RabbitMQServer()
    yield server
    server.stop()


def test_with_rabbitmq_a_saved_turn_is_queued_in_order_without_typed_secrets(
    rabbitmq: RabbitMQServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv(EVENTS_AMQP_URL_SETTING, rabbitmq.url())
    caplog.set_level(logging.DEBUG)

    async def a_turn_saved() -> list[dict[str, object]]:
        broker = await EventBroker.create(EndpointConfig(url=f"sqlite:///{tmp_path / 'unused.db'}", type=TYPE))
        assert isinstance(broker, SafePikaEventBroker)
        store = SafeSQLTrackerStore(
            domain=Domain.empty(), host=f"sqlite:///{tmp_path / 'tracker.db'}", event_broker=broker
        )
        await store.save(a_turn(TYPED))
        connection = await aio_pika.connect(rabbitmq.url())
        async with connection:
            queue = await (await connection.channel()).declare_queue(QUEUE, durable=True)
            queued = []
            async with queue.iterator() as messages:
                async for message in messages:  # the three published, whenever they arrive
                    async with message.process():
                        queued.append(json.loads(message.body))
                    if len(queued) == 3:
                        break
        await broker.close()
        return queued

    queued = asyncio.run(asyncio.wait_for(a_turn_saved(), 30))
    assert [(e["sender_id"], e["event"]) for e in queued] == [("alice", "user"), ("alice", "bot"), ("alice", "action")]
    assert "Winter2026!" not in json.dumps(queued) and "[redacted]" in str(queued[0]["text"])
    assert not (tmp_path / "unused.db").exists()  # Rasa's events go to RabbitMQ only
    assert PASSWORD not in caplog.text


def test_an_unreachable_rabbitmq_stops_the_start_naming_it_without_the_password(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv(EVENTS_AMQP_URL_SETTING, "amqp://askit:hunter2-not-logged@127.0.0.1:1/")
    monkeypatch.setattr("bot.event_broker.RETRY_DELAY", 0.01)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ConnectionException, match="Cannot connect to event broker"):
        asyncio.run(EventBroker.create(EndpointConfig(url="sqlite:///unused.db", type=TYPE)))
    assert "amqp://127.0.0.1:1/" in caplog.text and "hunter2" not in caplog.text


def test_a_database_that_fails_loses_the_event_not_the_turn(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    broker = SafeSQLEventBroker(f"sqlite:///{tmp_path / 'events.db'}")
    broker.publish({"event": "user", "sender_id": "alice", "text": "first"})  # the broker holds a connection
    with sqlite3.connect(tmp_path / "events.db") as other:
        other.execute("DROP TABLE events")  # every later write fails, on the held connection too
    broker.publish({"event": "user", "sender_id": "alice", "text": "hi"})
    assert "event not written for insights" in caplog.text and "hi" not in caplog.text


def test_without_a_url_the_error_names_the_setting() -> None:
    with pytest.raises(ValueError, match="EVENTS_DB_URL"):
        asyncio.run(SafeSQLEventBroker.from_endpoint_config(EndpointConfig(type=TYPE)))


def test_each_save_streams_only_the_events_not_stored_before_across_sessions(tmp_path: Path) -> None:
    """The tracker store works out what is new once (no reload of the conversation) and gives the
    broker exactly those events: a second save adds the next turn's, never the first's again."""
    broker = SafeSQLEventBroker(f"sqlite:///{tmp_path / 'events.db'}")
    store = SafeSQLTrackerStore(domain=Domain.empty(), host=f"sqlite:///{tmp_path / 'tracker.db'}", event_broker=broker)
    tracker = DialogueStateTracker("alice", slots=[])
    tracker.update(UserUttered("printer jammed", {"name": "ask", "confidence": 1.0}))
    tracker.update(BotUttered("Open tray 2"))
    asyncio.run(store.save(tracker))
    asyncio.run(store.save(tracker))  # nothing new: nothing streamed
    tracker.update(ActionExecuted("action_session_start"))
    tracker.update(SessionStarted())
    tracker.update(UserUttered("still jammed", {"name": "ask", "confidence": 1.0}))
    asyncio.run(store.save(tracker))
    streamed = [d.get("text") or d["event"] for _, _, d in rows(tmp_path / "events.db")]
    assert streamed == ["printer jammed", "Open tray 2", "action", "session_started", "still jammed"]
    with sqlite3.connect(tmp_path / "tracker.db") as db:
        assert db.execute("SELECT count(*) FROM events").fetchone()[0] == 5
    latest = asyncio.run(store.retrieve("alice"))  # the latest session only, as Rasa loads it
    assert latest is not None
    loaded = [e.as_dict().get("text") or e.as_dict()["event"] for e in latest.events]
    assert loaded == ["session_started", "still jammed"]
    whole = asyncio.run(store.retrieve_full_tracker("alice"))
    assert whole is not None and len(whole.events) == 5
    assert asyncio.run(store.retrieve("nobody")) is None


def _start_up(url: str) -> None:
    """What a Rasa replica does when it starts: its tracker store and its event broker (a process of its own)."""
    SafeSQLTrackerStore(domain=Domain.empty(), host=url, event_broker=SafeSQLEventBroker(url))


def test_replicas_starting_at_once_on_postgresql_create_the_tables_once(postgres: PostgresServer) -> None:
    """Both stores run CREATE TABLE at start; on PostgreSQL two replicas doing it at the same moment
    left one dead on a unique violation (found by the scale-out test). Six at once, three times."""
    with ProcessPoolExecutor(6, mp_context=multiprocessing.get_context("spawn")) as replicas:
        for round in range(3):
            url = postgres.create_database(f"askit_start_{round}_{uuid.uuid4().hex[:8]}")
            list(replicas.map(_start_up, [url] * 6))  # raises what a replica raised
            assert postgres.query(url.rsplit("/", 1)[1], "SELECT count(*) FROM events") == "0"
