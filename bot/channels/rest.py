"""AskIT's REST channel, in place of Rasa's ``rest:``: for scripts, tests and operators, never a
way to act as someone else.

    POST /webhooks/rest/webhook   Authorization: Bearer <ASKIT_REST_TOKEN>, Content-Type: application/json
         {"sender": "<id>", "message": "<text>"}  ->  200 [{"recipient_id", "text", "buttons"?, "custom"?}, ...]

Rasa's own channel took ``input_channel`` and ``metadata`` from the body, so a client could claim to
be the web widget with anyone's identity. Here only ``sender`` and ``message`` are read, both
cleaned (bot/channels/inbound.py); nothing from the body is believed about who is asking. Without
``ASKIT_REST_TOKEN`` the channel answers only in development mode (``ASKIT_DEV_MODE=1``, which
``make run`` sets); requiring a JSON content type keeps a web page from posting into it from a
member of staff's browser. A failed turn still gets an apology, and one sender's flood gets 429.
"""

from __future__ import annotations

import hmac
import logging
import os
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.inbound import SLOW_DOWN, answer_or_apologise, clean_sender, clean_text
from bot.channels.settings import channel_settings
from bot.channels.turns import SenderTurns
from bot.settings import DEV_MODE_SETTING
from bot.settings import REST_TOKEN_SETTING as TOKEN_SETTING

logger = logging.getLogger(__name__)

# Scripts and tests send one message after another's answer, faster than a person types; what is
# stopped is many at once (bot/channels/turns.py has the limits for people).
REST_RATE = 5.0
REST_BURST = 20

Handler = Callable[[UserMessage], Awaitable[Any]]


def _error(status: int, message: str) -> HTTPResponse:
    return response.json({"error": message}, status=status)


class RestInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> RestInput:
        return cls()

    def __init__(self, env: Mapping[str, str] = os.environ) -> None:
        settings = channel_settings(env)
        token = settings[TOKEN_SETTING]
        self._token = token.reveal().encode("utf-8") if token else None
        self.open_without_token = settings[DEV_MODE_SETTING]
        if self._token is None and not self.open_without_token:
            logger.info("REST channel off: set %s to use it", TOKEN_SETTING)

    def _refusal(self, request: Request) -> HTTPResponse | None:
        if self._token is None:
            if self.open_without_token:
                return None
            return _error(403, f"the REST channel is off: the operator must set {TOKEN_SETTING}")
        given = request.headers.get("Authorization", "")
        scheme, _, credential = given.partition(" ")
        given_token = credential.strip().encode("utf-8", "surrogateescape")  # headers may hold any bytes
        if scheme.lower() != "bearer" or not hmac.compare_digest(given_token, self._token):
            return _error(401, "a valid bearer token is required")
        return None

    def blueprint(self, on_new_message: Handler) -> Blueprint:
        bp = Blueprint("askit_rest", __name__)
        turns: SenderTurns[tuple[UserMessage, Any]] = SenderTurns(
            _run_turn(on_new_message), rate=REST_RATE, burst=REST_BURST
        )

        @bp.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            refused = self._refusal(request)
            if refused is not None:
                return refused
            if request.content_type.split(";")[0].strip().lower() != "application/json":
                return _error(415, "the body must be JSON (Content-Type: application/json)")
            body = _json_object(request)
            if body is None:
                return _error(400, 'the body must be a JSON object {"sender": "...", "message": "..."}')
            sender, text = clean_sender(body.get("sender")), clean_text(body.get("message"))
            if sender is None or text is None:
                return _error(400, "'sender' and 'message' must be non-empty text")
            collector = CollectingOutputChannel()
            done = request.app.loop.create_future()
            if not turns.submit(sender, (UserMessage(text, collector, sender, input_channel=self.name()), done)):
                return response.json([{"recipient_id": sender, "text": SLOW_DOWN}], status=429)
            await done
            return response.json(collector.messages)

        return bp


def _json_object(request: Request) -> dict[str, Any] | None:
    try:
        body = request.json
    except Exception:  # Sanic raises its own error for a body that is not JSON
        return None
    return body if isinstance(body, dict) else None


def _run_turn(on_new_message: Handler) -> Callable[[tuple[UserMessage, Any]], Awaitable[None]]:
    async def run(item: tuple[UserMessage, Any]) -> None:
        message, done = item
        try:
            await answer_or_apologise(on_new_message, message)
        finally:
            if not done.done():  # the client may have gone; the turn was still taken
                done.set_result(None)

    return run
