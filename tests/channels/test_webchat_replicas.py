"""The widget's server as two replicas sharing a real Redis (REDIS_URL) and a real PostgreSQL (the
handoffs): each replica is its own process running the real channel (tests/channels/webchat_replica.py),
and the users are real socket.io clients. What one replica sends reaches a user whose widget is on
the other, once; a user who moves to the other replica finds their conversation there; a
long-polling session stays on one replica behind HAProxy. Without REDIS_URL nothing changes."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis  # type: ignore[import-untyped]  # redis 4.6 ships no types
import requests
import socketio
from redis import asyncio as aioredis
from sanic import Sanic

from bot.channels.errors import ChannelConfigError
from bot.channels.webchat import WebChatInput
from bot.channels.webchat_replicas import (
    CONSOLES_CHANNEL,
    ONLINE_SECONDS,
    SOCKETIO_CHANNEL,
    LocalPresence,
    Replicas,
    SharedPresence,
)
from bot.channels.widget_auth import mint_token, sender_id, verify_token
from bot.channels.widget_config import REDIS_URL_SETTING, WidgetConfig
from bot.handoff import agent_token
from bot.handoff.broker import HandoffBroker
from bot.handoff.models import Handoff
from bot.handoff.settings import HandoffSettings
from bot.handoff.store import HandoffStore
from bot.identity import ALL_COUNCILS
from bot.launcher import HOST, ROOT, free_port
from bot.replies import Reply
from bot.requester import Requester
from bot.secret import Secret, redact
from tests.channels.conftest import TEST_SEAL_KEY
from tests.postgres import PostgresServer
from tests.redis_server import RedisServer
from tests.waiting import answers, exited, wait_until

WIDGET_SECRET = "w" * 40
AGENT_SECRET = "a" * 40
START_TIMEOUT = 60.0
EVENT_TIMEOUT = 20.0
GROUP = "service-desk"
Match = Callable[[dict[str, Any]], bool]


@dataclass
class Replica:
    name: str
    port: int
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        reply = requests.post(f"{self.url}{path}", json=body, timeout=EVENT_TIMEOUT)
        reply.raise_for_status()
        answer: dict[str, Any] = reply.json()
        return answer


def replica_env(redis_url: str | None, handoffs: str) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "ASKIT_WIDGET_JWT_SECRET": WIDGET_SECRET,
        "ASKIT_IDENTITY_KEY": TEST_SEAL_KEY,
        "ASKIT_AGENT_TOKEN_SECRET": AGENT_SECRET,
        "ASKIT_BACKOFFICE_DB": handoffs,
        # The live chat's sweep (which sends what a replica could not) must not be what delivers here.
        "ASKIT_HANDOFF_SWEEP_SECONDS": "3600",
    }
    if redis_url is not None:
        env[REDIS_URL_SETTING] = redis_url
    return env


def start_replica(name: str, env: dict[str, str], logs: Path) -> Replica:
    port = free_port()
    with open(logs / f"{name}.log", "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.channels.webchat_replica", name, str(port)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    replica = Replica(name, port, process)
    wait_until(lambda: answers(f"{replica.url}/health"), START_TIMEOUT, f"replica {name}", died=exited(process, name))
    return replica


def stop(replica: Replica) -> None:
    replica.process.terminate()
    try:
        replica.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        replica.process.kill()
        replica.process.wait()


@dataclass
class Cluster:
    a: Replica
    b: Replica
    redis: redis.Redis
    logs: Path

    def subscribed(self) -> bool:
        """Both replicas listen on Redis: their socket.io servers, and the news for the agents' consoles."""
        counts = dict(self.redis.pubsub_numsub(SOCKETIO_CHANNEL, CONSOLES_CHANNEL))
        return all(int(counts.get(channel.encode(), 0)) >= 2 for channel in (SOCKETIO_CHANNEL, CONSOLES_CHANNEL))


@pytest.fixture(scope="module")
def cluster(
    redis_server: RedisServer, postgres: PostgresServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    logs = tmp_path_factory.mktemp("replicas")
    env = replica_env(redis_server.url(), postgres.create_database(f"handoffs_{uuid.uuid4().hex[:8]}"))
    a = start_replica("A", env, logs)
    try:
        b = start_replica("B", env, logs)
    except BaseException:
        stop(a)
        raise
    shared = redis.Redis.from_url(redis_server.url())
    cluster = Cluster(a, b, shared, logs)
    try:
        wait_until(cluster.subscribed, START_TIMEOUT, "both replicas to listen on Redis")
        yield cluster
    finally:
        stop(a)
        stop(b)
        shared.close()


class Widget:
    """A widget's socket.io connection, as askit-widget.js makes it: the token in ``auth``, then
    ``session``; every ``bot_uttered`` kept in order. Long-polling: python-engineio's web socket
    client needs a newer aiohttp than Rasa's (the server side of both transports is the same)."""

    def __init__(self) -> None:
        self.client = socketio.AsyncClient(reconnection=False)
        self.received: list[dict[str, Any]] = []
        self.session: dict[str, Any] = {}  # the answer to "session"
        self._news = asyncio.Condition()
        self.client.on("bot_uttered", self._got)

    async def _got(self, message: dict[str, Any]) -> None:
        async with self._news:
            self.received.append(message)
            self._news.notify_all()

    @classmethod
    async def open(cls, url: str, token: str, transports: tuple[str, ...] = ("polling",)) -> Widget:
        widget = cls()
        await widget.client.connect(
            url, socketio_path="/socket.io", transports=list(transports), auth={"token": token}, wait_timeout=20
        )
        widget.session = await widget.client.call("session", {"new": False}, timeout=EVENT_TIMEOUT)
        return widget

    async def wait_for(self, found: Match, start: int = 0) -> dict[str, Any]:
        try:
            async with self._news:
                await asyncio.wait_for(
                    self._news.wait_for(lambda: any(found(m) for m in self.received[start:])), EVENT_TIMEOUT
                )
        except asyncio.TimeoutError:
            raise AssertionError(f"nothing awaited came in {EVENT_TIMEOUT:g} s; received {self.texts()}") from None
        return next(m for m in self.received[start:] if found(m))

    def texts(self) -> list[str]:
        return [m["text"] for m in self.received]

    async def close(self) -> None:
        await close(self.client)


async def close(client: socketio.AsyncClient) -> None:
    """Close as the client does, without waiting for the long poll the server holds open to end."""
    for namespace in client.namespaces:
        await client._send_packet(client.packet_class(socketio.packet.DISCONNECT, namespace=namespace))
    await client.eio.disconnect(abort=True)


def text_is(text: str) -> Match:
    return lambda m: m.get("text") == text


def flow_is(flow: str) -> Match:
    return lambda m: (m.get("custom") or {}).get("flow") == flow


def widget_token(sub: str) -> str:
    return mint_token(WIDGET_SECRET, sub, email=f"{sub}@council.example", name=sub.title())


def conversation_of(token: str) -> str:
    return sender_id(verify_token(token, WidgetConfig.from_env({"ASKIT_WIDGET_JWT_SECRET": WIDGET_SECRET})))


# -- (a) what one replica sends reaches the user on the other, once --------------------------------


def test_news_sent_by_one_replica_reaches_the_user_on_the_other_once(cluster: Cluster) -> None:
    token = widget_token(f"ann-{uuid.uuid4().hex[:6]}")
    conversation = conversation_of(token)

    async def scenario() -> list[str]:
        widget = await Widget.open(cluster.a.url, token)
        try:
            # A ticket's news, as Rasa's API on replica B sends it after the turn: twice, so the second
            # arriving says the first had every chance to arrive twice.
            for text in ("Your ticket INC-1 has been raised.", "INC-1: the desk has replied."):
                await asyncio.to_thread(cluster.b.post, "/control/news", {"conversation": conversation, "text": text})
            await widget.wait_for(text_is("INC-1: the desk has replied."))
            return widget.texts()
        finally:
            await widget.close()

    assert asyncio.run(scenario()) == ["Your ticket INC-1 has been raised.", "INC-1: the desk has replied."]


def test_a_reply_reaches_every_tab_of_the_user_whichever_replica_each_is_on(cluster: Cluster) -> None:
    token = widget_token(f"bob-{uuid.uuid4().hex[:6]}")

    async def scenario() -> tuple[list[str], list[str]]:
        on_a, on_b = await Widget.open(cluster.a.url, token), await Widget.open(cluster.b.url, token)
        try:
            assert on_a.session["session_id"] == on_b.session["session_id"]  # one conversation
            await on_a.client.emit("user_uttered", {"message": "my VPN drops"})
            await on_a.client.emit("user_uttered", {"message": "every hour"})
            for widget in (on_a, on_b):
                await widget.wait_for(text_is("A heard: every hour"))
            return on_a.texts(), on_b.texts()
        finally:
            await on_a.close()
            await on_b.close()

    expected = ["A heard: my VPN drops", "A heard: every hour"]
    assert asyncio.run(scenario()) == (expected, expected)


def agent_console_token(agent_id: str) -> str:
    return agent_token.mint(AGENT_SECRET, agent_id, name="Dee", groups=[GROUP], councils=[ALL_COUNCILS])


async def open_console(url: str, agent_id: str) -> Console:
    console = Console()
    await console.client.connect(
        url,
        socketio_path="/socket.io",
        namespaces=["/agents"],
        transports=["polling"],
        auth={"token": agent_console_token(agent_id)},
        wait_timeout=20,
    )
    return console


async def console_call(console: socketio.AsyncClient, event: str, data: dict[str, Any]) -> dict[str, Any]:
    answer: dict[str, Any] = await console.call(event, data, namespace="/agents", timeout=EVENT_TIMEOUT)
    assert answer["ok"], answer
    return answer


def test_an_agent_on_one_replica_chats_with_a_user_on_the_other(cluster: Cluster) -> None:
    token = widget_token(f"cat-{uuid.uuid4().hex[:6]}")
    conversation = conversation_of(token)
    asked = {"conversation": conversation, "email": "cat@council.example", "name": "Cat", "group": GROUP}

    async def scenario() -> list[dict[str, Any]]:
        widget = await Widget.open(cluster.a.url, token)
        console = await open_console(cluster.b.url, f"dee-{uuid.uuid4().hex[:6]}")
        try:
            await console_call(console.client, "presence", {"state": "available"})
            queued = await asyncio.to_thread(cluster.b.post, "/control/queue", {**asked, "summary": "VPN drops"})
            chat = {"handoff_id": queued["handoff_id"]}
            # The agent's console is on B: B's broker relays what they say to the widget on A.
            await console_call(console.client, "accept", chat)
            await console_call(console.client, "send", {**chat, "message_id": "m1", "text": "Hello Cat, I'm on it."})
            await console_call(console.client, "send", {**chat, "message_id": "m2", "text": "Can you restart it?"})
            await widget.wait_for(lambda m: "Can you restart it?" in m["text"])
            # A, which never saw the chat begin, knows it is the agent's: they see the user typing.
            await widget.client.emit("user_typing", {})
            await console.wait_for("typing", lambda t: t == {"handoff_id": chat["handoff_id"], "who": "user"})
            return widget.received
        finally:
            await close(console.client)
            await widget.close()

    received = asyncio.run(scenario())
    assert [m["custom"]["flow"] for m in received] == ["handoff_started", "handoff_message", "handoff_message"]
    assert "I'm on it" in received[1]["text"] and "Can you restart it?" in received[2]["text"]


class Console:
    """An agent's console on the ``/agents`` namespace: every event it is sent, kept in order."""

    def __init__(self) -> None:
        self.client = socketio.AsyncClient(reconnection=False)
        self.events: list[tuple[str, dict[str, Any]]] = []
        self._news = asyncio.Condition()
        for event in ("queue", "message", "handoff", "typing"):
            self.client.on(event, self._keeper(event), namespace="/agents")

    def _keeper(self, event: str) -> Callable[[dict[str, Any]], Any]:
        async def keep(data: dict[str, Any]) -> None:
            async with self._news:
                self.events.append((event, data))
                self._news.notify_all()

        return keep

    async def wait_for(self, event: str, found: Match) -> dict[str, Any]:
        def seen() -> dict[str, Any] | None:
            return next((data for name, data in self.events if name == event and found(data)), None)

        try:
            async with self._news:
                await asyncio.wait_for(self._news.wait_for(lambda: seen() is not None), EVENT_TIMEOUT)
        except asyncio.TimeoutError:
            raise AssertionError(f"no {event} came in {EVENT_TIMEOUT:g} s; the console had {self.events}") from None
        found_data = seen()
        assert found_data is not None
        return found_data


def test_an_agent_on_one_replica_hears_of_a_request_and_the_users_lines_handled_by_the_other(
    cluster: Cluster,
) -> None:
    token = widget_token(f"hal-{uuid.uuid4().hex[:6]}")
    conversation = conversation_of(token)
    asked = {"conversation": conversation, "email": "hal@council.example", "name": "Hal", "group": GROUP}

    async def scenario() -> list[dict[str, Any]]:
        console = await open_console(cluster.a.url, f"ida-{uuid.uuid4().hex[:6]}")
        widget = await Widget.open(cluster.b.url, token)
        try:
            await console_call(console.client, "presence", {"state": "available"})
            # The request is made on B, where the user's widget is: the console on A shows it waiting.
            queued = await asyncio.to_thread(cluster.b.post, "/control/queue", {**asked, "summary": "scanner"})
            chat = {"handoff_id": queued["handoff_id"]}
            await console.wait_for("queue", lambda q: chat["handoff_id"] in [w["handoff_id"] for w in q["waiting"]])
            await console_call(console.client, "accept", chat)
            await widget.wait_for(flow_is("handoff_started"))
            # What the user types goes through B's broker: the agent on A sees it, and sees them typing.
            await widget.client.emit("user_typing", {})
            await console.wait_for("typing", lambda t: t == {"handoff_id": chat["handoff_id"], "who": "user"})
            await widget.client.emit("user_uttered", {"message": "It jams on every page"})
            await console.wait_for("message", lambda m: m["text"] == "It jams on every page")
            return [
                data for name, data in console.events if name == "message" and data["handoff_id"] == chat["handoff_id"]
            ]
        finally:
            await close(console.client)
            await widget.close()

    messages = asyncio.run(scenario())
    assert [m["sender"] for m in messages] == ["system", "user"]  # the agent joined; the user's line, once
    assert messages[1]["text"] == "It jams on every page"


# -- (b) a user whose connection moves to the other replica ----------------------------------------


def test_a_reply_in_flight_when_the_connection_moves_reaches_the_user_on_the_other_replica(cluster: Cluster) -> None:
    token = widget_token(f"dan-{uuid.uuid4().hex[:6]}")
    question = f"slow: why is the VPN down {uuid.uuid4().hex[:6]}"

    def held_on_a() -> bool:
        return question in requests.get(f"{cluster.a.url}/control/held", timeout=EVENT_TIMEOUT).json()["held"]

    async def scenario() -> tuple[str, str, list[str]]:
        on_a = await Widget.open(cluster.a.url, token)
        await on_a.client.emit("user_uttered", {"message": question})
        await asyncio.to_thread(wait_until, held_on_a, EVENT_TIMEOUT, "A to be answering")
        await on_a.close()  # the connection drops while A is still answering; it comes back on B
        on_b = await Widget.open(cluster.b.url, token)
        try:
            await asyncio.to_thread(cluster.a.post, "/control/release", {"text": question})
            await on_b.wait_for(text_is(f"A heard: {question}"))
            await on_b.client.emit("user_uttered", {"message": "thanks"})
            await on_b.wait_for(text_is("B heard: thanks"))
            return on_a.session["session_id"], on_b.session["session_id"], on_b.texts()
        finally:
            await on_b.close()

    session_a, session_b, texts = asyncio.run(scenario())
    assert session_a == session_b  # the same conversation: the widget keeps showing its history
    assert texts == [f"A heard: {question}", "B heard: thanks"]


def test_live_chat_lines_sent_while_the_user_moves_are_delivered_on_the_other_replica(cluster: Cluster) -> None:
    token = widget_token(f"eve-{uuid.uuid4().hex[:6]}")
    conversation = conversation_of(token)
    asked = {"conversation": conversation, "email": "eve@council.example", "name": "Eve", "group": GROUP}

    async def scenario() -> list[dict[str, Any]]:
        console = await open_console(cluster.a.url, f"fay-{uuid.uuid4().hex[:6]}")
        on_a = await Widget.open(cluster.a.url, token)
        try:
            await console_call(console.client, "presence", {"state": "available"})
            queued = await asyncio.to_thread(cluster.a.post, "/control/queue", {**asked, "summary": "printer"})
            chat = {"handoff_id": queued["handoff_id"]}
            await console_call(console.client, "accept", chat)
            await on_a.wait_for(flow_is("handoff_started"))
            await on_a.close()
            # No widget is open anywhere: the line waits (a replica that still counted the closed
            # one would send it to nobody and mark it delivered), and comes when the widget opens on B.
            line = {**chat, "message_id": "m1", "text": "Is it the second floor one?"}
            await console_call(console.client, "send", line)
            on_b = await Widget.open(cluster.b.url, token)
            try:
                await on_b.wait_for(lambda m: "second floor" in m["text"])
                return on_b.received
            finally:
                await on_b.close()
        finally:
            await close(console.client)

    received = asyncio.run(scenario())
    assert [m["custom"]["flow"] for m in received] == ["handoff_message"]


# -- long polling behind the balancer --------------------------------------------------------------

HAPROXY_CONFIG = """\
global
    maxconn 256
defaults
    mode http
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    timeout tunnel 1h
frontend widget
    bind {host}:{port}
    default_backend rasa
backend rasa
    balance roundrobin
{stickiness}
    server a {host}:{a}
    server b {host}:{b}
"""
# What docs/widget.md ("Several replicas") tells the operator to put in the Rasa servers' backend.
STICKINESS = """\
    stick-table type string len 64 size 100k expire 1h
    stick store-response res.cook(io)
    stick match url_param(sid)
"""


@pytest.fixture
def balancer(cluster: Cluster, tmp_path: Path) -> Iterator[str]:
    binary = shutil.which("haproxy") or "/usr/sbin/haproxy"
    port = free_port()
    config = tmp_path / "haproxy.cfg"
    config.write_text(
        HAPROXY_CONFIG.format(host=HOST, port=port, a=cluster.a.port, b=cluster.b.port, stickiness=STICKINESS)
    )
    process = subprocess.Popen([binary, "-f", str(config), "-db"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://{HOST}:{port}"
    try:
        wait_until(lambda: answers(f"{url}/health"), START_TIMEOUT, "HAProxy", died=exited(process, "haproxy"))
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_a_long_polling_widget_behind_the_balancer_stays_on_one_replica(balancer: str) -> None:
    token = widget_token(f"gus-{uuid.uuid4().hex[:6]}")
    said = [f"line {n}" for n in range(4)]

    async def scenario() -> list[str]:
        widget = await Widget.open(balancer, token, transports=("polling",))
        try:
            for text in said:  # one at a time, as a person types: each a few requests of the session
                await widget.client.emit("user_uttered", {"message": text})
                await widget.wait_for(lambda m, text=text: m["text"].endswith(text))  # type: ignore[misc]
            return widget.texts()
        finally:
            await widget.close()

    texts = asyncio.run(scenario())
    replica = texts[0].split()[0]
    assert texts == [f"{replica} heard: {text}" for text in said]


# -- configuration, and one process as before -------------------------------------------------------


def channel(tmp_path: Path, **env: str) -> WebChatInput:
    settings = {
        "ASKIT_WIDGET_JWT_SECRET": WIDGET_SECRET,
        "ASKIT_IDENTITY_KEY": TEST_SEAL_KEY,
        "ASKIT_INDEX_DIR": str(tmp_path / "index"),
        **env,
    }
    made = WebChatInput(env=settings)
    Sanic(f"webchat_replicas_{uuid.uuid4().hex[:8]}").blueprint(made.blueprint(lambda _: asyncio.sleep(0)))
    return made


def test_without_redis_url_the_widget_server_is_one_process_as_before(tmp_path: Path) -> None:
    alone = channel(tmp_path)
    assert alone.sio is not None
    assert alone.replicas is None and isinstance(alone.presence, LocalPresence)
    assert type(alone.sio.manager) is socketio.AsyncManager and alone.sio.eio.cookie is None
    shared = channel(tmp_path, **{REDIS_URL_SETTING: "redis://127.0.0.1:6379/0"})
    assert shared.sio is not None
    assert isinstance(shared.sio.manager, socketio.AsyncRedisManager) and shared.sio.eio.cookie is not None


@pytest.mark.parametrize("value", ["http://:s3cret-pw@cache:6379/0", "redis://:s3cret-pw@cache :6379/0", "s3cret-pw"])
def test_a_malformed_redis_url_stops_the_start_naming_it_and_never_showing_it(tmp_path: Path, value: str) -> None:
    with pytest.raises(ChannelConfigError) as raised:
        channel(tmp_path, **{REDIS_URL_SETTING: value})
    assert str(raised.value).startswith(f"{REDIS_URL_SETTING}:") and "s3cret" not in str(raised.value)


def test_the_password_in_redis_url_is_kept_out_of_the_logs(tmp_path: Path) -> None:
    channel(tmp_path, **{REDIS_URL_SETTING: "redis://:Only-In-Redis-42@127.0.0.1:6379/0"})
    assert redact("AUTH Only-In-Redis-42 failed") == "AUTH [redacted] failed"


# -- what the replicas keep in Redis --------------------------------------------------------------


def test_a_widget_counts_as_open_until_its_replica_stops_renewing_it(redis_server: RedisServer) -> None:
    now = [1_000_000.0]

    async def scenario() -> list[bool]:
        shared = aioredis.Redis.from_url(redis_server.url())
        here, elsewhere = SharedPresence(shared, lambda: now[0]), SharedPresence(shared, lambda: now[0])
        conversation = f"widget:{uuid.uuid4().hex[:8]}"
        seen = [await elsewhere.reaches(conversation)]
        await here.joined(conversation, "sid-1")
        seen.append(await elsewhere.reaches(conversation))
        now[0] += ONLINE_SECONDS - 1
        await here.renew()  # its replica is alive: another ONLINE_SECONDS
        now[0] += ONLINE_SECONDS - 1
        seen.append(await elsewhere.reaches(conversation))
        now[0] += 2  # its replica died without a word: it lapses
        seen.append(await elsewhere.reaches(conversation))
        await here.joined(conversation, "sid-2")
        await here.left("sid-2")  # a tab closed: at once
        seen.append(await elsewhere.reaches(conversation))
        await shared.close()
        return seen

    assert asyncio.run(scenario()) == [False, True, True, False, False]


def test_with_redis_away_a_widget_still_connects_and_this_replicas_own_count() -> None:
    async def scenario() -> list[bool]:
        away = aioredis.Redis.from_url(f"redis://{HOST}:{free_port()}/0")  # nothing listens there
        presence = SharedPresence(away)
        await presence.joined("widget:here", "sid-1")
        seen = [await presence.reaches("widget:here"), await presence.reaches("widget:elsewhere")]
        await presence.left("sid-1")
        seen.append(await presence.reaches("widget:here"))
        await away.close()
        return seen

    assert asyncio.run(scenario()) == [True, False, False]


class Recording:
    """The user's channel, as the broker sees it (UserLink): always reachable; each line kept. A line
    is held in ``send`` until ``release`` is set, so a second delivery can try to run meanwhile."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.release = asyncio.Event()
        self._news = asyncio.Condition()

    async def reaches(self, handoff: Handoff) -> bool:
        return True

    async def send(self, handoff: Handoff, reply: Reply) -> None:
        async with self._news:
            self.sent.append(reply["text"])
            self._news.notify_all()
        await self.release.wait()

    async def sent_at_least(self, count: int) -> None:
        async with self._news:
            await asyncio.wait_for(self._news.wait_for(lambda: len(self.sent) >= count), EVENT_TIMEOUT)

    async def typing(self, handoff: Handoff, name: str) -> None:
        pass


@pytest.mark.parametrize("shared_lock", [True, False], ids=["redis-lock", "per-process-locks"])
def test_two_replicas_delivering_the_same_chat_at_once_send_each_line_once(
    redis_server: RedisServer, postgres: PostgresServer, shared_lock: bool
) -> None:
    database = postgres.create_database(f"handoffs_{uuid.uuid4().hex[:8]}")
    replicas = Replicas(Secret(redis_server.url()))
    store = HandoffStore.open(database)
    handoff, _ = store.request(
        conversation=f"widget:{uuid.uuid4().hex[:8]}",
        channel="webchat",
        requester=Requester("ann", "ann@council.example", "Ann"),
        group=GROUP,
        summary="VPN",
        reference={},
        now=time.time(),
    )
    for n in range(2):
        store.post(handoff.id, f"n{n}", "system", f"line {n}", now=time.time())

    async def scenario() -> list[str]:
        link, at_lock, got_lock = Recording(), asyncio.Event(), asyncio.Event()

        @contextlib.asynccontextmanager
        async def lock(handoff_id: str) -> AsyncIterator[None]:
            at_lock.set()
            async with replicas.delivery_lock(handoff_id) if shared_lock else asyncio.Lock():
                got_lock.set()
                yield

        first, second = (
            HandoffBroker(HandoffStore.open(database), HandoffSettings.load(), 3600, delivery_lock=lock) for _ in "ab"
        )
        first.links["webchat"] = second.links["webchat"] = link
        one = asyncio.create_task(first.deliver(handoff.id))
        await link.sent_at_least(1)  # the first delivery is sending, holding its lock
        at_lock.clear()
        got_lock.clear()
        other = asyncio.create_task(second.deliver(handoff.id))
        await asyncio.wait_for(at_lock.wait(), EVENT_TIMEOUT)
        if got_lock.is_set():  # nothing held it back: it goes as far as its own first line
            await link.sent_at_least(2)
        link.release.set()
        await asyncio.wait_for(asyncio.gather(one, other), EVENT_TIMEOUT)
        await replicas.redis.close()
        return link.sent

    sent = asyncio.run(scenario())
    if shared_lock:
        assert sent == ["line 0", "line 1"]
    else:  # what one process's locks allowed between two replicas, before
        assert sorted(sent) == ["line 0", "line 0", "line 1", "line 1"]
