"""One at a time per key, in the order they arrived: what the relays need where each message is its
own task (a Teams activity, an agent console's socket.io event) and a database write in a thread
would otherwise let a later message overtake an earlier one."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator


class InOrder:
    """One holder per key at a time, first come, first served (an asyncio lock wakes its waiters in
    order). Enter ``turn`` before the first await, so arrival order is the order of entry."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def turn(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]  # nobody waiting: an idle key costs nothing
            else:
                self._locks[key] = (lock, users - 1)
