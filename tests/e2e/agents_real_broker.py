"""The REAL broker's agents' namespace (bot/handoff/agents.py and bot/handoff/broker.py, on the
broker branch of issue 13) served alone for the console's browser test: the same classes the Rasa
server builds in bot/channels/webchat.py, on a python-socketio server under aiohttp, with a real
handoff store, but without Rasa's agent (no tracker is written, no ticket filed) and without the
widget. A member of staff is played through the broker's own entry points (``store.request`` then
``broker.queued``; ``broker.intercept`` for what they type), from a small HTTP control API.

Run in the Rasa environment: ``.venv-rasa/bin/python tests/e2e/agents_real_broker.py PORT DB``
with ASKIT_AGENT_TOKEN_SECRET set and PYTHONPATH naming the tree that has the broker.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

import socketio
from aiohttp import web
from rasa.core.channels.channel import UserMessage

from bot.handoff.agents import AgentConsoles
from bot.handoff.broker import HandoffBroker
from bot.handoff.settings import HandoffSettings
from bot.handoff.store import HandoffStore
from bot.requester import Requester
from bot.secret import Secret

SWEEP_SECONDS = 3600.0  # the timeouts are not what this serves


def build(db: str, secret: str) -> web.Application:
    sio = socketio.AsyncServer(async_mode="aiohttp", cors_allowed_origins=[])  # as webchat.py: [] = no CORS check
    app = web.Application()
    sio.attach(app, socketio_path="socket.io")
    store = HandoffStore.open(db)
    broker = HandoffBroker(store, HandoffSettings.load(), SWEEP_SECONDS)
    AgentConsoles(broker, sio, Secret(secret))

    async def queue(request: web.Request) -> web.Response:
        body: dict[str, Any] = await request.json()
        requester = Requester(body["conversation"], body["email"], body["name"], body.get("council"))
        handoff, _ = store.request(
            conversation=body["conversation"],
            channel="webchat",
            requester=requester,
            group=body["group"],
            summary=body["summary"],
            reference={},
            now=time.time(),
        )
        await broker.queued(handoff.id)
        return web.json_response({"handoff_id": handoff.id})

    async def say(request: web.Request) -> web.Response:
        body: dict[str, Any] = await request.json()
        taken = await broker.intercept(UserMessage(body["text"], sender_id=body["conversation"]))
        return web.json_response({"taken": taken})

    async def handoff(request: web.Request) -> web.Response:
        found = store.get(request.match_info["id"])
        messages = [{"sender": m.sender, "text": m.text, "message_id": m.message_id} for m in store.messages(found.id)]
        return web.json_response(
            {"state": found.state, "group": found.group, "close_note": found.close_note, "messages": messages}
        )

    app.router.add_post("/control/queue", queue)
    app.router.add_post("/control/say", say)
    app.router.add_get("/control/handoff/{id}", handoff)
    app.router.add_get("/health", health)
    return app


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


if __name__ == "__main__":
    port, database = int(sys.argv[1]), sys.argv[2]
    web.run_app(
        build(database, os.environ["ASKIT_AGENT_TOKEN_SECRET"]),
        host="127.0.0.1",
        port=port,
        print=None,
        shutdown_timeout=1,
    )
