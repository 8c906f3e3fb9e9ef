"""One replica of the widget's server for the scale-out tests (tests/channels/test_webchat_replicas.py):
the real channel (bot/channels/webchat.py: its socket.io server, the live-chat broker and the agents'
namespace, configured from the environment as Rasa configures it) in a Sanic app of its own, without
Rasa's agent. The bot is a stand-in that answers each message with the replica's name, and a small
control API plays what other processes do to a conversation:

    POST /control/news    {conversation, text}          news after a turn (a ticket's, an incident's):
                                                        the channel's later output, as Rasa's API uses it
    POST /control/queue   {conversation, group, ...}    a member of staff asks for a person
    GET  /control/held                                  the messages whose turn is being held
    POST /control/release {text}                        let a held turn answer
    GET  /health

A message that starts with "slow:" is a turn that takes as long as the test says: it is answered
only once released, so a test can move the user's connection while the turn is running.

Run in the Rasa environment: ``.venv-rasa/bin/python -m tests.channels.webchat_replica NAME PORT``.
"""

from __future__ import annotations

import asyncio
import sys
import time
from typing import Any

from rasa.core.channels.channel import UserMessage
from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse, json

from bot.channels.webchat import WebChatInput
from bot.requester import Requester

PREFIX = "/webhooks/webchat"


def build(name: str) -> Sanic:
    channel = WebChatInput()
    held: dict[str, asyncio.Event] = {}

    async def bot(message: UserMessage) -> None:
        assert message.output_channel is not None
        text = message.text or ""
        if text.startswith("slow:"):
            await held.setdefault(text, asyncio.Event()).wait()
        await message.output_channel.send_response(message.sender_id, {"text": f"{name} heard: {message.text}"})

    app = Sanic(f"webchat_replica_{name}")
    app.blueprint(channel.blueprint(bot), url_prefix=PREFIX)

    @app.post("/control/news")
    async def news(request: Request) -> HTTPResponse:
        body: dict[str, Any] = request.json
        output = channel.get_output_channel()
        assert output is not None
        await output.send_response(body["conversation"], {"text": body["text"]})
        return json({"sent": True})

    @app.post("/control/queue")
    async def queue(request: Request) -> HTTPResponse:
        body: dict[str, Any] = request.json
        broker = channel.broker
        assert broker is not None
        requester = Requester(body["conversation"], body["email"], body["name"], body.get("council"))
        handoff, _ = broker.store.request(
            conversation=body["conversation"],
            channel=channel.name(),
            requester=requester,
            group=body["group"],
            summary=body["summary"],
            reference={},
            now=time.time(),
        )
        await broker.queued(handoff.id)
        return json({"handoff_id": handoff.id})

    @app.get("/control/held")
    async def waiting(request: Request) -> HTTPResponse:
        return json({"held": [text for text, event in held.items() if not event.is_set()]})

    @app.post("/control/release")
    async def release(request: Request) -> HTTPResponse:
        held.setdefault(request.json["text"], asyncio.Event()).set()
        return json({"released": True})

    @app.get("/health")
    async def health(request: Request) -> HTTPResponse:
        return json({"status": "ok", "name": name})

    return app


if __name__ == "__main__":
    replica, port = sys.argv[1], int(sys.argv[2])
    build(replica).run(host="127.0.0.1", port=port, access_log=False, motd=False)
