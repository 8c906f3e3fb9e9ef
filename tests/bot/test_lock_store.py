"""The Rasa server's lock store (bot/lock_store.py), made from endpoints.yml as Rasa makes it: Rasa's
own RedisLockStore on a real Redis (tests/redis_server.py) when REDIS_URL is set, its InMemoryLockStore
otherwise; two replicas' stores take one conversation's turns one at a time."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator

import pytest
import redis  # type: ignore[import-untyped]
from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore
from rasa.core.utils import AvailableEndpoints, number_of_sanic_workers

from bot.lock_store import AtomicRedisLockStore, LockStoreConfigError, checked
from bot.paths import ROOT
from bot.redis_url import RedisUrlError
from tests.redis_server import RedisServer

DB = 4
PASSWORD = "s3cret-Pa55word"
WAIT_SECONDS = 10.0


@pytest.fixture
def inspect(redis_server: RedisServer) -> Iterator[redis.Redis]:
    with redis_server.inspected(DB) as red:
        yield red


@pytest.fixture
def endpoints_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """What the launcher sets for endpoints.yml's other stores (Rasa refuses an unset ${VAR})."""
    for name, value in {"ACTION_PORT": "5055", "TRACKER_DB_URL": "sqlite://", "EVENTS_DB_URL": "sqlite://"}.items():
        monkeypatch.setenv(name, value)
    for name in ("REDIS_URL", "SANIC_WORKERS"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def rasas_lock_store() -> LockStore:
    """The lock store as ``rasa run`` makes it from the project's endpoints.yml."""
    return LockStore.create(AvailableEndpoints.read_endpoints(str(ROOT / "endpoints.yml")).lock_store)


def test_without_redis_url_rasa_holds_its_in_memory_lock_store(endpoints_env: pytest.MonkeyPatch) -> None:
    assert type(rasas_lock_store()) is InMemoryLockStore


def test_with_redis_url_rasa_holds_its_redis_lock_store_on_that_server(
    endpoints_env: pytest.MonkeyPatch, redis_server: RedisServer, inspect: redis.Redis
) -> None:
    endpoints_env.setenv("REDIS_URL", redis_server.url(DB))
    store = rasas_lock_store()
    assert type(store) is AtomicRedisLockStore and isinstance(store, RedisLockStore)

    async def turn() -> None:
        async with store.lock("29:pat"):
            assert inspect.keys() == ["askit:lock:29:pat"]  # held in that server, under AskIT's prefix

    asyncio.run(turn())
    assert inspect.keys() == []  # released


def test_with_redis_url_rasa_may_start_several_workers(endpoints_env: pytest.MonkeyPatch) -> None:
    endpoints_env.setenv("SANIC_WORKERS", "3")
    endpoints = AvailableEndpoints.read_endpoints(str(ROOT / "endpoints.yml"))
    with pytest.raises(LockStoreConfigError, match="SANIC_WORKERS=3 needs REDIS_URL"):  # each its own locks
        checked({"SANIC_WORKERS": "3"})
    endpoints_env.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    assert checked({"SANIC_WORKERS": "3", "REDIS_URL": "redis://127.0.0.1:6379/0"}) is not None
    assert number_of_sanic_workers(endpoints.lock_store) == 3  # what rasa/core/run.py starts


def test_a_malformed_redis_url_is_refused_naming_it_without_the_password(endpoints_env: pytest.MonkeyPatch) -> None:
    endpoints_env.setenv("REDIS_URL", f"redis://:{PASSWORD}@redis.internal:port/0")
    with pytest.raises(RedisUrlError) as refused:
        rasas_lock_store()
    assert "REDIS_URL" in str(refused.value) and PASSWORD not in str(refused.value)


def tickets(store: LockStore, conversation_id: str) -> list[int]:
    lock = store.get_lock(conversation_id)
    return [ticket.number for ticket in lock.tickets] if lock else []


def two_replicas(env: pytest.MonkeyPatch, server: RedisServer) -> tuple[LockStore, LockStore]:
    """The lock stores of two Rasa replicas started with the same REDIS_URL."""
    env.setenv("REDIS_URL", server.url(DB))
    return rasas_lock_store(), rasas_lock_store()


def test_two_replicas_take_one_conversations_turns_one_at_a_time(
    endpoints_env: pytest.MonkeyPatch, redis_server: RedisServer, inspect: redis.Redis
) -> None:
    one, two = two_replicas(endpoints_env, redis_server)
    order: list[str] = []

    async def main() -> None:
        first_in, first_may_leave = asyncio.Event(), asyncio.Event()

        async def first() -> None:
            async with one.lock("29:pat", wait_time_in_seconds=0.01):
                order.append("first in")
                first_in.set()
                await first_may_leave.wait()
                order.append("first out")

        async def second() -> None:
            await first_in.wait()
            async with two.lock("29:pat", wait_time_in_seconds=0.01):
                order.append("second in")

        tasks = [asyncio.create_task(first()), asyncio.create_task(second())]
        # Until the second replica has its ticket and waits for its turn (or, wrongly, has gone in).
        deadline = time.monotonic() + WAIT_SECONDS
        while len(tickets(one, "29:pat")) < 2 and "second in" not in order and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        assert order == ["first in"] and len(tickets(one, "29:pat")) == 2
        first_may_leave.set()
        await asyncio.gather(*tasks)

    asyncio.run(main())
    assert order == ["first in", "first out", "second in"]


def test_two_replicas_run_different_conversations_at_once(
    endpoints_env: pytest.MonkeyPatch, redis_server: RedisServer, inspect: redis.Redis
) -> None:
    one, two = two_replicas(endpoints_env, redis_server)

    async def main() -> None:
        # Sam's turn on the other replica starts and ends while Pat's is still running.
        async with one.lock("29:pat"), two.lock("29:sam", wait_time_in_seconds=0.01):
            assert sorted(inspect.keys()) == ["askit:lock:29:pat", "askit:lock:29:sam"]

    asyncio.run(asyncio.wait_for(main(), timeout=10))


def test_replicas_asking_for_one_conversations_lock_at_the_same_instant_never_hold_it_together(
    redis_server: RedisServer, inspect: redis.Redis
) -> None:
    """One person's messages reaching four replicas at the same moment, forty times. Rasa's own
    RedisLockStore issues tickets by reading the lock and writing it back: two replicas both took
    ticket 0 and ran their turns together (3 pairs in 20 in the scale-out test)."""
    replicas, rounds = 4, 40
    start = threading.Barrier(replicas)
    inside: list[int] = []  # replicas holding the lock right now
    overlaps: list[int] = []
    served = [0] * replicas

    def replica(index: int) -> None:
        store = AtomicRedisLockStore(port=redis_server.port, db=DB, key_prefix="askit")

        async def turn() -> None:
            async with store.lock("29:pat", wait_time_in_seconds=0.005):
                inside.append(index)
                overlaps.append(len(inside))
                await asyncio.sleep(0.002)  # a turn's work, while the others wait
                inside.remove(index)
                served[index] += 1

        for _ in range(rounds):
            start.wait(timeout=WAIT_SECONDS)  # broken when another replica's turn failed: this one stops too
            asyncio.run(asyncio.wait_for(turn(), WAIT_SECONDS))  # a lost ticket waits for good

    threads = [threading.Thread(target=replica, args=(i,)) for i in range(replicas)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert served == [rounds] * replicas
    assert max(overlaps) == 1, f"{sum(n > 1 for n in overlaps)} turns ran beside another"
    assert inspect.keys() == []  # the last turn out deleted the lock
