"""The Rasa server's lock store, which lets one turn per conversation run at a time: Rasa's
``RedisLockStore`` (each change made atomic, below) when REDIS_URL is set (bot/redis_url.py),
shared by every replica and Sanic worker; else Rasa's ``InMemoryLockStore``, which serves one process.

endpoints.yml:  lock_store: {type: bot.lock_store.RedisOrInMemory}

Rasa makes a custom lock store by calling the class endpoints.yml names with ``endpoint_config=``
(``_load_from_module_name_in_endpoint_config`` in rasa/core/lock_store.py). This class hands back one
of Rasa's two stores instead of an instance of its own, so Rasa holds exactly the store that
``type: redis`` or ``type: in_memory`` would have made.

Rasa's RedisLockStore reads a conversation's lock, changes it and writes it back as separate
commands (its maintainers: "far from atomic", rasa PR #3933), so two replicas given one person's two
messages at the same moment each issued themselves the first ticket and ran both turns at once: one
turn's events were lost from the tracker in 3 of 20 such pairs (tests/e2e/test_scaleout.py). Here
each of those read-change-write steps is one Redis transaction (WATCH, MULTI, EXEC: redis-py retries
it when another replica changed the lock in between); the tickets, keys and waiting are Rasa's.

Rasa allows SANIC_WORKERS > 1 with any lock store type but ``in_memory``: ``number_of_sanic_workers``
(rasa/core/utils.py) is given the endpoint's type, not the store. So without REDIS_URL it is refused
here, at start-up: each worker would hold its own locks and run one conversation's turns at once.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from rasa.constants import DEFAULT_SANIC_WORKERS, ENV_SANIC_WORKERS
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore, LockError, LockStore, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from bot.redis_url import REDIS_URL_SETTING, RedisUrl, redis_url

logger = logging.getLogger(__name__)

T = TypeVar("T")

KEY_PREFIX = "askit"  # Rasa's keys are then askit:lock:<conversation id>; Rasa wants it alphanumeric


class LockStoreConfigError(ValueError):
    """The settings ask for a lock store that cannot work; the message names them."""


def workers(env: Mapping[str, str]) -> int:
    """SANIC_WORKERS as Rasa reads it (Rasa itself reports a value that is not a number)."""
    try:
        return int(env.get(ENV_SANIC_WORKERS, DEFAULT_SANIC_WORKERS))
    except ValueError:
        return DEFAULT_SANIC_WORKERS


def checked(env: Mapping[str, str]) -> RedisUrl | None:
    """REDIS_URL's parts (None: unset). Raises RedisUrlError when it is malformed, and
    LockStoreConfigError when SANIC_WORKERS > 1 without it."""
    url = redis_url(env)
    count = workers(env)
    if url is None and count > 1:
        raise LockStoreConfigError(
            f"{ENV_SANIC_WORKERS}={count} needs {REDIS_URL_SETTING}: Rasa's in-memory lock store serves one "
            "process, and each worker would run turns of the same conversation at once"
        )
    return url


def lock_store(env: Mapping[str, str]) -> LockStore:
    """Rasa's RedisLockStore on REDIS_URL's server, or its InMemoryLockStore when REDIS_URL is unset."""
    url = checked(env)
    if url is None:
        return InMemoryLockStore()
    logger.info("lock store: Redis at %s:%s, database %s", url.host, url.port, url.db)
    return AtomicRedisLockStore(**url.connection(), use_ssl=url.tls, key_prefix=KEY_PREFIX)


class AtomicRedisLockStore(RedisLockStore):
    """Rasa's RedisLockStore, each change of a conversation's lock one Redis transaction."""

    def _change(
        self, conversation_id: str, change: Callable[[TicketLock], T], create: bool, keep: Callable[[TicketLock], bool]
    ) -> T | None:
        """Apply ``change`` to the stored lock (a new one if ``create``; else nothing when there is
        none) and store the result, or delete it when ``keep`` says no one needs it, atomically."""
        key = self.key_prefix + conversation_id

        def attempt(pipe: Any) -> T | None:
            stored = pipe.get(key)
            if stored is None and not create:
                return None
            lock = TicketLock.from_dict(json.loads(stored)) if stored else self.create_lock(conversation_id)
            result = change(lock)
            pipe.multi()
            if keep(lock):
                pipe.set(key, lock.dumps())
            else:
                pipe.delete(key)
            return result

        result: T | None = self.red.transaction(attempt, key, value_from_callable=True)
        return result

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        try:
            ticket = self._change(conversation_id, lambda lock: lock.issue_ticket(lock_lifetime), True, _always)
        except Exception as exc:  # as Rasa's: any failure to take a ticket is a LockError
            raise LockError(f"Error while acquiring lock. Error:\n{exc}") from exc
        assert ticket is not None  # create=True: there is always a lock to issue from
        return ticket

    def update_lock(self, conversation_id: str) -> None:
        self._change(conversation_id, lambda lock: lock.remove_expired_tickets(), False, _always)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        self._change(conversation_id, lambda lock: lock.remove_ticket_for(ticket_number), False, _always)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Rasa's: finish serving, then delete the lock if no one waits; here in one step, so a
        ticket issued by another replica in between is never deleted with it."""
        self._change(
            conversation_id, lambda lock: lock.remove_ticket_for(ticket_number), False, TicketLock.is_someone_waiting
        )


def _always(_lock: TicketLock) -> bool:
    return True


class RedisOrInMemory:
    """The type endpoints.yml names: calling it (as Rasa does) gives ``lock_store(os.environ)``."""

    def __new__(cls, endpoint_config: EndpointConfig | None = None) -> LockStore:
        return lock_store(os.environ)
