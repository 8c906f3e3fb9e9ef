"""The web widget's server as one of several Rasa replicas (issue 15). With ``REDIS_URL`` set:

- every emit (a bot reply, an agent's line, news after a turn) goes through python-socketio's
  Redis manager, so it reaches the user's socket on whichever replica holds it, once;
- which conversations have a widget open is kept in Redis (``Presence``), so a replica that holds
  no socket of a user still knows whether an agent's line can be delivered now or must wait;
- a live chat's delivery to its user is one replica's at a time (``delivery_lock``), so two
  replicas' sweeps never send the same line twice;
- what a replica's live-chat broker tells the agents (a chat queued, taken, a user's line) reaches
  the agents' consoles on every replica (``SharedConsoles``);
- the engine.io handshake sets the cookie ``io`` to the session id: the balancer learns which
  replica a long-polling session lives on from it (docs/widget.md, "Several replicas").

Without it: one process, as before (``LocalPresence`` asks the process's own socket.io rooms).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

from redis import asyncio as aioredis  # type: ignore[import-untyped]  # redis 4.6 ships no types
from socketio import AsyncRedisManager, AsyncServer

from bot.handoff.agents import AgentConsoles
from bot.handoff.broker import HandoffBroker
from bot.handoff.models import Handoff, Message
from bot.secret import Secret

logger = logging.getLogger(__name__)

SOCKETIO_CHANNEL = "askit-webchat"  # the Redis pub/sub channel every replica's socket.io server shares
CONSOLES_CHANNEL = "askit-agents"  # the Redis pub/sub channel of the live chat's news for the consoles
PRESENCE_KEY = "askit:webchat:online:"  # + conversation: a sorted set of socket ids, scored by expiry
LOCK_KEY = "askit:handoff:deliver:"  # + handoff id
# A replica renews its sockets' presence every RENEW_SECONDS; one that stopped without saying
# (SIGKILL, a lost host) stops counting ONLINE_SECONDS after its last renewal.
ONLINE_SECONDS = 60
RENEW_SECONDS = 20.0
RETRY_SECONDS = 1.0  # after Redis was lost, before listening again
LOCK_SECONDS = 30  # a delivery holds its chat's lock at most this long (a replica that died holding it)
SID_COOKIE = {"name": "io", "path": "/socket.io", "SameSite": "Lax", "HttpOnly": True}


class Presence(Protocol):
    """Whether a conversation has a widget open, on any replica."""

    async def joined(self, conversation: str, sid: str) -> None: ...

    async def left(self, sid: str) -> None: ...

    async def reaches(self, conversation: str) -> bool: ...

    def start(self) -> None: ...

    async def stop(self) -> None: ...


class LocalPresence:
    """One process: its own socket.io rooms say it."""

    def __init__(self, sio: AsyncServer) -> None:
        self.sio = sio

    async def joined(self, conversation: str, sid: str) -> None:
        pass

    async def left(self, sid: str) -> None:
        pass

    async def reaches(self, conversation: str) -> bool:
        return any(True for _ in self.sio.manager.get_participants("/", conversation))

    def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass


class SharedPresence:
    """Several replicas: each conversation's open sockets in a Redis sorted set, each scored by when
    it lapses unless its replica renews it; this replica renews its own."""

    def __init__(self, redis: aioredis.Redis, clock: Callable[[], float] = time.time) -> None:
        self.redis, self.clock = redis, clock
        self._here: dict[str, str] = {}  # socket id -> conversation, for the sockets on this replica
        self._task: asyncio.Task[None] | None = None

    # Redis away: the widget still connects and this replica's own sockets still count (the next
    # renewal puts them back); what other replicas hold is not known until it is back.

    async def joined(self, conversation: str, sid: str) -> None:
        self._here[sid] = conversation
        try:
            await self._mark({sid: conversation})
        except Exception as exc:
            logger.warning("webchat: could not record a widget's presence in Redis: %s", type(exc).__name__)

    async def left(self, sid: str) -> None:
        conversation = self._here.pop(sid, None)
        if conversation is not None:
            try:
                await self.redis.zrem(PRESENCE_KEY + conversation, sid)
            except Exception as exc:  # it lapses on its own
                logger.warning("webchat: could not clear a widget's presence in Redis: %s", type(exc).__name__)

    async def reaches(self, conversation: str) -> bool:
        try:
            return bool(await self.redis.zcount(PRESENCE_KEY + conversation, f"({self.clock()}", "+inf"))
        except Exception as exc:
            logger.warning("webchat: could not read the widgets' presence in Redis: %s", type(exc).__name__)
            return conversation in self._here.values()

    async def _mark(self, sockets: Mapping[str, str]) -> None:
        now = self.clock()
        async with self.redis.pipeline(transaction=False) as pipe:
            for sid, conversation in sockets.items():
                key = PRESENCE_KEY + conversation
                pipe.zremrangebyscore(key, "-inf", now)  # what lapsed (a replica that died)
                pipe.zadd(key, {sid: now + ONLINE_SECONDS})
                pipe.expire(key, ONLINE_SECONDS)
            await pipe.execute()

    async def renew(self) -> None:
        if self._here:
            await self._mark(dict(self._here))

    async def _renew_forever(self) -> None:
        while True:
            await asyncio.sleep(RENEW_SECONDS)
            try:
                await self.renew()
            except Exception as exc:  # Redis is away: the next round is another chance
                logger.warning("webchat: could not renew the widgets' presence in Redis: %s", type(exc).__name__)

    def start(self) -> None:
        self._task = asyncio.create_task(self._renew_forever())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        with contextlib.suppress(Exception):  # stopping: what is left lapses on its own
            for sid in list(self._here):
                await self.left(sid)


class Replicas:
    """What the widget's server shares with the other replicas, through the Redis at ``url``."""

    def __init__(self, url: Secret) -> None:
        self.url = url
        self.redis: aioredis.Redis = aioredis.Redis.from_url(url.reveal())

    def client_manager(self) -> AsyncRedisManager:
        return AsyncRedisManager(self.url.reveal(), channel=SOCKETIO_CHANNEL)

    def presence(self) -> SharedPresence:
        return SharedPresence(self.redis)

    def consoles(self, broker: HandoffBroker, here: AgentConsoles) -> SharedConsoles:
        return SharedConsoles(self.redis, broker, here)

    def delivery_lock(self, handoff_id: str) -> AbstractAsyncContextManager[Any]:
        """Held by one replica at a time; ``LockError`` when it cannot be had in LOCK_SECONDS."""
        return self.redis.lock(LOCK_KEY + handoff_id, timeout=LOCK_SECONDS, blocking_timeout=LOCK_SECONDS)


class SharedConsoles:
    """The live-chat broker's listener on a replica of several (bot/handoff/broker.py: listeners):
    what any replica's broker tells the agents is published on Redis, and every replica, this one
    too, tells the consoles connected to it (``here``), from the handoff store they share."""

    def __init__(self, redis: aioredis.Redis, broker: HandoffBroker, here: AgentConsoles) -> None:
        self.redis, self.broker, self.here = redis, broker, here
        self._task: asyncio.Task[None] | None = None

    async def changed(self, handoff: Handoff) -> None:
        await self._publish({"kind": "changed", "handoff_id": handoff.id})

    async def message(self, handoff: Handoff, message: Message) -> None:
        await self._publish({"kind": "message", "handoff_id": handoff.id, "seq": message.seq})

    async def user_typing(self, handoff: Handoff) -> None:
        await self._publish({"kind": "typing", "handoff_id": handoff.id})

    async def heartbeat(self) -> None:
        await self.here.heartbeat()  # each replica's own consoles, from its own sweep

    async def _publish(self, news: dict[str, Any]) -> None:
        try:
            await self.redis.publish(CONSOLES_CHANNEL, json.dumps(news))
        except Exception as exc:  # Redis is away: at least this replica's consoles hear of it
            logger.warning("live chat: could not tell the other replicas' consoles: %s", type(exc).__name__)
            await self.tell(news)

    async def tell(self, news: Mapping[str, Any]) -> None:
        """Tell this replica's consoles one piece of news, read afresh from the store."""
        store = self.broker.store
        handoff = await self.broker.run(store.get, news["handoff_id"])
        if news["kind"] == "changed":
            self.broker.noted(handoff)  # whether the user's typing is the agent's to see, here too
            await self.here.changed(handoff)
        elif news["kind"] == "typing":
            await self.here.user_typing(handoff)
        elif news["kind"] == "message":
            seq = int(news["seq"])
            for message in await self.broker.run(store.messages, handoff.id, seq - 1):
                if message.seq == seq:
                    await self.here.message(handoff, message)

    async def _listen(self) -> None:
        while True:
            try:
                async with self.redis.pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.subscribe(CONSOLES_CHANNEL)
                    async for item in pubsub.listen():
                        if item.get("type") == "message":
                            await self._told(item["data"])
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # Redis went away: listen again once it is back
                logger.warning("live chat: lost the other replicas' news for the consoles: %s", type(exc).__name__)
                await asyncio.sleep(RETRY_SECONDS)

    async def _told(self, data: bytes) -> None:
        try:
            await self.tell(json.loads(data))
        except Exception as exc:  # one piece of news lost, not the listening
            logger.error("live chat: could not tell the consoles of a change: %s", type(exc).__name__)

    def start(self) -> None:
        self._task = asyncio.create_task(self._listen())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
