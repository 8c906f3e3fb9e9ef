"""The Rasa server's lock store, which lets one turn per conversation run at a time: Rasa's own
``RedisLockStore`` when REDIS_URL is set (bot/redis_url.py), shared by every replica and Sanic
worker; else Rasa's ``InMemoryLockStore``, which serves one process.

endpoints.yml:  lock_store: {type: bot.lock_store.RedisOrInMemory}

Rasa makes a custom lock store by calling the class endpoints.yml names with ``endpoint_config=``
(``_load_from_module_name_in_endpoint_config`` in rasa/core/lock_store.py). This class hands back one
of Rasa's two stores instead of an instance of its own, so Rasa holds exactly the store that
``type: redis`` or ``type: in_memory`` would have made.

Rasa allows SANIC_WORKERS > 1 with any lock store type but ``in_memory``: ``number_of_sanic_workers``
(rasa/core/utils.py) is given the endpoint's type, not the store. So without REDIS_URL it is refused
here, at start-up: each worker would hold its own locks and run one conversation's turns at once.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

from rasa.constants import DEFAULT_SANIC_WORKERS, ENV_SANIC_WORKERS
from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from bot.redis_url import REDIS_URL_SETTING, RedisUrl, redis_url

logger = logging.getLogger(__name__)

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
    return RedisLockStore(
        host=url.host,
        port=url.port,
        db=url.db,
        username=url.username,
        password=url.password.reveal() if url.password else None,
        use_ssl=url.tls,
        key_prefix=KEY_PREFIX,
    )


class RedisOrInMemory:
    """The type endpoints.yml names: calling it (as Rasa does) gives ``lock_store(os.environ)``."""

    def __new__(cls, endpoint_config: EndpointConfig | None = None) -> LockStore:
        return lock_store(os.environ)
