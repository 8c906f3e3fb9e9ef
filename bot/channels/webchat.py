"""The browser chat channel: a socket.io endpoint and the chat page, both on the Rasa server.

Rasa's own ``socketio`` channel cannot carry our replies: it emits a custom payload's keys as
socket.io arguments (so ``{"decision": ...}`` fails) and splits long answers into fragments.
This channel sends every reply whole, with ``custom`` as a field, and ignores any metadata the
browser sends: identity will come only from a verified token.

    page:      GET /webhooks/webchat/
    socket.io: path /socket.io; events session_request -> session_confirm,
               user_uttered {message, session_id} -> bot_uttered {text, quick_replies} | {custom}
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

logger = logging.getLogger(__name__)

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
SOCKETIO_PATH = "/socket.io"
USER_EVENT = "user_uttered"
BOT_EVENT = "bot_uttered"
MAX_MESSAGE_CHARS = 20_000


class WebChatOutput(OutputChannel):
    def __init__(self, sio: AsyncServer) -> None:
        self.sio = sio

    @classmethod
    def name(cls) -> str:
        return "webchat"

    async def _emit(self, session_id: str, message: dict[str, Any]) -> None:
        await self.sio.emit(BOT_EVENT, message, room=session_id)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._emit(recipient_id, {"text": text})

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        choices = [{"content_type": "text", "title": b["title"], "payload": b["payload"]} for b in buttons]
        await self._emit(recipient_id, {"text": text, "quick_replies": choices})

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        await self._emit(recipient_id, {"custom": json_message})


class WebChatInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "webchat"

    def __init__(self) -> None:
        self.sio: AsyncServer | None = None

    def get_output_channel(self) -> OutputChannel | None:
        return WebChatOutput(self.sio) if self.sio else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=[])  # Sanic's CORS settings apply
        self.sio = sio
        bp = SocketBlueprint(sio, SOCKETIO_PATH, "webchat", __name__)

        @bp.route("/", methods=["GET"])
        async def page(request: Request) -> HTTPResponse:
            return await response.file(WEB_DIR / "index.html")

        bp.static("/vendor", str(WEB_DIR / "vendor"))

        @sio.on("session_request")
        async def session_request(sid: str, data: dict[str, Any] | None) -> None:
            # A session id is an unguessable random token the browser keeps to resume a
            # conversation after a reconnect; anything else it offers is replaced.
            offered = (data or {}).get("session_id")
            session_id = offered if _is_session_token(offered) else uuid.uuid4().hex
            await sio.enter_room(sid, session_id)
            await sio.save_session(sid, {"session_id": session_id})
            await sio.emit("session_confirm", {"session_id": session_id}, room=sid)

        @sio.on(USER_EVENT)
        async def user_uttered(sid: str, data: dict[str, Any] | None) -> None:
            session_id = (await sio.get_session(sid)).get("session_id")
            if not session_id:
                logger.warning("webchat message before session_request from %s; ignored", sid)
                return
            text = str((data or {}).get("message") or "")[:MAX_MESSAGE_CHARS]
            await on_new_message(
                UserMessage(text, WebChatOutput(sio), session_id, input_channel=self.name(), metadata={})
            )

        return bp


def _is_session_token(value: object) -> bool:
    return isinstance(value, str) and len(value) == 32 and all(c in "0123456789abcdef" for c in value)
