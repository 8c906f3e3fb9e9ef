"""deploy/endpoints.yml as Rasa 3.6 reads it (Rasa environment): the lock stores two replicas build
from it share a conversation's lock through a real Redis, and the tracker store and event broker are
AskIT's safe SQL ones, at the URLs the environment gives."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from rasa.core.lock_store import LockStore
from rasa.core.utils import AvailableEndpoints

from bot.lock_store import AtomicRedisLockStore
from bot.paths import ROOT
from tests.redis_server import RedisServer

ENDPOINTS = ROOT / "deploy" / "endpoints.yml"
CONVERSATION = "staff-1"


@pytest.fixture
def endpoints(tmp_path: Path, redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch) -> AvailableEndpoints:
    """What a replica reads, with the environment compose.yml gives it pointed at this machine."""
    env = {
        "ACTION_SERVER_URL": "http://127.0.0.1:5055/webhook",
        "TRACKER_DB_URL": f"sqlite:///{tmp_path / 'tracker.db'}",
        "EVENTS_DB_URL": f"sqlite:///{tmp_path / 'events.db'}",
        "REDIS_URL": redis_server.url(1),  # the test server has no password
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return AvailableEndpoints.read_endpoints(str(ENDPOINTS))


def test_two_replicas_share_a_conversations_lock_through_redis(endpoints: AvailableEndpoints) -> None:
    replica_a, replica_b = LockStore.create(endpoints.lock_store), LockStore.create(endpoints.lock_store)
    assert type(replica_a) is AtomicRedisLockStore and type(replica_b) is AtomicRedisLockStore

    async def a_turn_on_replica_a() -> None:
        async with replica_a.lock(CONVERSATION):
            assert replica_b.is_someone_waiting(CONVERSATION)  # B sees A's turn and would wait for it
        assert not replica_b.is_someone_waiting(CONVERSATION)

    asyncio.run(a_turn_on_replica_a())


def test_the_stores_are_askits_at_the_environments_urls(endpoints: AvailableEndpoints, tmp_path: Path) -> None:
    assert endpoints.tracker_store is not None and endpoints.event_broker is not None
    assert endpoints.tracker_store.type == "bot.tracker_store.SafeSQLTrackerStore"
    assert endpoints.tracker_store.url == f"sqlite:///{tmp_path / 'tracker.db'}"
    assert endpoints.event_broker.type == "bot.event_broker.SQLOrRabbitMQ"
    assert endpoints.event_broker.url == f"sqlite:///{tmp_path / 'events.db'}"
    assert endpoints.action is not None and endpoints.action.url == "http://127.0.0.1:5055/webhook"
