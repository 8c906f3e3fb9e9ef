"""The web chat channel inside a Sanic app, as Rasa mounts it."""

from __future__ import annotations

import asyncio
from typing import Any

from sanic import Sanic

from bot.channels.webchat import WebChatInput, WebChatOutput, _is_session_token


async def _ignore(message: object) -> None:
    return None


def test_the_page_and_the_socketio_client_are_served() -> None:
    app = Sanic("webchat_test")
    app.blueprint(WebChatInput().blueprint(_ignore), url_prefix="/webhooks/webchat")
    _, page = app.test_client.get("/webhooks/webchat/")
    assert page.status == 200 and '<ul id="log" aria-live="polite"' in page.text
    _, script = app.test_client.get("/webhooks/webchat/vendor/socket.io.min.js")
    assert script.status == 200 and "Socket.IO" in script.text[:200]
    _, escape = app.test_client.get("/webhooks/webchat/vendor/../../channels/webchat.py")
    assert escape.status == 404


class RecordingServer:
    def __init__(self) -> None:
        self.emitted: list[tuple[str, Any, str]] = []

    async def emit(self, event: str, data: Any, room: str) -> None:
        self.emitted.append((event, data, room))


def test_replies_are_sent_whole_with_custom_as_a_field() -> None:
    sio = RecordingServer()
    out = WebChatOutput(sio)  # type: ignore[arg-type]
    long_text = "**Title**\n\nStep one.\n\nStep two."
    asyncio.run(out.send_text_with_buttons("s1", long_text, [{"title": "Yes", "payload": "/affirm"}]))
    asyncio.run(out.send_custom_json("s1", {"decision": "answer", "article_id": "vpn-connect"}))
    assert sio.emitted == [
        (
            "bot_uttered",
            {"text": long_text, "quick_replies": [{"content_type": "text", "title": "Yes", "payload": "/affirm"}]},
            "s1",
        ),
        ("bot_uttered", {"custom": {"decision": "answer", "article_id": "vpn-connect"}}, "s1"),
    ]


def test_only_random_tokens_are_accepted_as_session_ids() -> None:
    assert _is_session_token("0123456789abcdef0123456789abcdef")
    for bad in ("alice", "", None, "0123456789ABCDEF0123456789ABCDEF", "../" * 11):
        assert not _is_session_token(bad)
