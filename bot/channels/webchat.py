"""The web widget's channel: a socket.io endpoint on the Rasa server that admits a browser only
with a token the host page's server signed, and sends every reply whole.

    socket.io (path /socket.io):
      connect with auth {"token": "<JWT>"}   refused (connect_error) without a valid one, or from a
                                             page whose origin is not allowed (ASKIT_WIDGET_ORIGINS)
      session {new} -> ack {session_id, article_url}   the conversation and the article link template;
                                             with new: true (nothing shown in this tab yet) the
                                             welcome (flow welcome) comes first, as a bot_uttered
      user_uttered {message}                 only the text is used; identity is the token's
      bot_uttered {text, quick_replies, custom}  one event per bot message, to the room of the
                                             conversation, so news pushed later finds every tab
    HTTP: see webchat_pages.py (widget scripts, demo page, article pages, dev token)

Rasa's own ``socketio`` channel cannot carry our replies: it emits a custom payload's keys as
socket.io arguments and splits long answers into fragments. Settings: widget_config.py.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import re
import sys
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from engineio.async_drivers.sanic import WebSocket as EngineIOWebSocket
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint
from sanic import Blueprint
from socketio import AsyncServer
from socketio.exceptions import ConnectionRefusedError

from bot.channels.articles import (
    PUBLIC_URL_SETTING,
    PublishedArticles,
    article_url_template,
    full_article_url,
    index_dir,
)
from bot.channels.errors import TokenRejected
from bot.channels.inbound import SLOW_DOWN, answer_or_apologise
from bot.channels.settings import channel_settings
from bot.channels.turns import SenderTurns
from bot.channels.webchat_banner import Banners
from bot.channels.webchat_pages import add_pages
from bot.channels.webchat_payloads import bot_message, user_text
from bot.channels.webchat_replicas import SID_COOKIE, LocalPresence, Presence, Replicas
from bot.channels.welcome import Welcomes
from bot.channels.widget_auth import sender_id, verify_token
from bot.channels.widget_config import REDIS_URL_SETTING, WidgetConfig
from bot.handoff.agents import AgentConsoles
from bot.handoff.broker import BROKER_CONTEXT, HandoffBroker
from bot.handoff.environment import LiveChatEnvironment
from bot.handoff.models import Handoff
from bot.identity import IdentitySeal, VerifiedIdentity
from bot.incidents.known import KnownIncidents
from bot.replies import SORRY, Reply

logger = logging.getLogger(__name__)

SOCKETIO_PATH = "/socket.io"
USER_EVENT = "user_uttered"
USER_TYPING_EVENT = "user_typing"  # the widget, while a person has the chat: they are told
BOT_EVENT = "bot_uttered"
TYPING_EVENT = "bot_typing"  # {name, handoff_id}: the widget shows "<name> is typing…"
SESSION_EVENT = "session"
DRAIN_SECONDS = 10.0  # on shutdown, accepted turns get this long to finish
MAX_CONVERSATIONS = 50_000  # conversations whose page address is kept for news sent after a turn
MAX_MESSAGE_ID_CHARS = 128

ArticleLink = Callable[[str], "str | None"]
RESERVED_EVENTS = frozenset({"connect", "disconnect", "connect_error"})


class OneLineErrors(logging.LoggerAdapter):
    """For python-socketio and python-engineio: a malformed packet from a browser is logged as one
    line naming the error, not as a traceback that reads like a fault of ours."""

    def exception(self, msg: object, *args: Any, exc_info: Any = True, **kwargs: Any) -> None:
        error = sys.exc_info()[1]
        self.warning("%s: %s", str(msg) % args if args else msg, type(error).__name__ if error else "?")


ENGINEIO_TEXT_PACKET = re.compile(r"[0-6b]")  # an engine.io v4 text packet starts with its type, or "b"


class CheckedWebSocket(EngineIOWebSocket):
    """python-engineio's Sanic web socket, except that a text frame that is not an engine.io packet
    (an empty one, say) ends the connection as the client's close would: engine.io's decoder
    raised on it outside any handler, and Sanic logged the traceback as our fault."""

    async def wait(self) -> Any:
        data = await super().wait()
        if isinstance(data, str) and not ENGINEIO_TEXT_PACKET.match(data):
            logger.info("webchat: a web socket frame that is not an engine.io packet closed its connection")
            return None
        return data


class WidgetSocketServer(AsyncServer):
    """python-socketio's server, except that a client cannot send the events the server itself
    raises: ``42["connect", {...}]`` ran the connect handler with an environ the client made up."""

    async def _handle_event(self, eio_sid: str, namespace: str | None, id: Any, data: Any) -> None:
        if not isinstance(data, list) or not data or not isinstance(data[0], str) or data[0] in RESERVED_EVENTS:
            logger.info("webchat: a malformed or reserved event from the browser was ignored")
            return
        await super()._handle_event(eio_sid, namespace, id, data)

    async def _handle_eio_message(self, eio_sid: str, data: Any) -> None:
        """A packet socket.io cannot decode (``40`` followed by ``4.2e+16`` reads as ack id 4 and
        broken JSON) closes the connection, as the protocol says, instead of leaving the client
        waiting for an answer that never comes."""
        try:
            await super()._handle_eio_message(eio_sid, data)
        except ValueError as exc:
            logger.info("webchat: a malformed socket.io packet closed its connection (%s)", type(exc).__name__)
            await self.eio.disconnect(eio_sid)


class WebChatOutput(OutputChannel):
    def __init__(
        self, sio: AsyncServer, article_link: ArticleLink = lambda _: None, broker: HandoffBroker | None = None
    ) -> None:
        self.sio, self.article_link, self.broker = sio, article_link, broker

    @classmethod
    def name(cls) -> str:
        return "webchat"

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        sent = bot_message(message, self.link_for(recipient_id))
        handoff_id = sent["custom"].get("handoff_id")
        if self.broker is not None and sent["custom"].get("flow") == "handoff_queued" and isinstance(handoff_id, str):
            await self.broker.queued(handoff_id)  # the agents hear of a new request as the user does
        await self.sio.emit(BOT_EVENT, sent, room=recipient_id)

    def link_for(self, recipient_id: str) -> ArticleLink:
        return self.article_link

    # Rasa calls these directly in a few places; they take the same single-event road.
    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text})

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.send_response(recipient_id, {"text": text, "buttons": buttons})

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"custom": json_message})


class LaterOutput(WebChatOutput):
    """For replies sent outside a turn (ticket news), which have no request: each conversation's
    article links are made for the address its own browser connected to."""

    def __init__(
        self, sio: AsyncServer, links: Callable[[str], ArticleLink], broker: HandoffBroker | None = None
    ) -> None:
        super().__init__(sio, broker=broker)
        self.links = links

    def link_for(self, recipient_id: str) -> ArticleLink:
        return self.links(recipient_id)


class SocketLink:
    """The live chat's way to a widget user (bot/handoff/broker.py: UserLink): their socket.io room,
    on whichever replica their widget is connected to."""

    def __init__(self, sio: AsyncServer, links: Callable[[str], ArticleLink], presence: Presence) -> None:
        self.sio, self.links, self.presence = sio, links, presence

    async def reaches(self, handoff: Handoff) -> bool:
        return await self.presence.reaches(handoff.conversation)

    async def send(self, handoff: Handoff, reply: Reply) -> None:
        sent = bot_message(reply, self.links(handoff.conversation))
        await self.sio.emit(BOT_EVENT, sent, room=handoff.conversation)

    async def typing(self, handoff: Handoff, name: str) -> None:
        await self.sio.emit(TYPING_EVENT, {"name": name, "handoff_id": handoff.id}, room=handoff.conversation)


class WebChatInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "webchat"

    def __init__(
        self,
        config: WidgetConfig | None = None,
        articles: PublishedArticles | None = None,
        env: Mapping[str, str] = os.environ,
        seal: IdentitySeal | None = None,
    ) -> None:
        # Rasa builds channels at start-up: a wrong setting stops it here, naming the setting.
        self.config = config or WidgetConfig.from_env(env)
        channel_settings(env)  # the settings every channel shares (bot/channels/settings.py)
        self.seal = seal or IdentitySeal.from_env(env)
        url = self.config.redis_url  # set: one of several replicas (webchat_replicas.py)
        self.replicas = Replicas(url) if url is not None else None
        self.presence: Presence | None = None  # made with the blueprint
        self.live_chat = LiveChatEnvironment.from_env(env)  # where handoffs live; opened with the server
        self.broker: HandoffBroker | None = None  # made with the blueprint, shared with the other channels
        self.known_incidents = KnownIncidents(self.live_chat.database)  # for the banner
        self.banners: Banners | None = None  # made with the blueprint
        self.welcomes = Welcomes(self.live_chat.database, index_dir(env))  # a new conversation's first message
        self.env = env
        self.articles = articles or PublishedArticles(index_dir(env))
        self.sio: AsyncServer | None = None
        self.turns: SenderTurns[UserMessage] | None = None  # made with the blueprint; tests drain it
        # Each conversation's latest page address, for replies sent outside a turn (ticket news).
        self._base_urls: OrderedDict[str, str] = OrderedDict()
        if self.config.disabled_reason:
            logger.warning("web widget: every connection will be refused: %s", self.config.disabled_reason)
        if self.replicas is not None and not env.get(PUBLIC_URL_SETTING, "").strip():
            logger.warning(
                "web widget: %s is set but %s is not: news sent by a replica a browser never connected to has no "
                "article links",
                REDIS_URL_SETTING,
                PUBLIC_URL_SETTING,
            )
        if self.live_chat.agent_secret is None:
            logger.warning("agent console: ASKIT_AGENT_TOKEN_SECRET is not set; every agent will be refused")

    def article_link(self, base_url: str) -> ArticleLink:
        return lambda article_id: full_article_url(article_id, base_url, self.articles, self.env)

    def conversation_link(self, conversation: str) -> ArticleLink:
        """Links for a conversation outside a turn: under ASKIT_PUBLIC_URL when it is set (as always),
        else under the address that conversation's browser connected to; none before it has."""
        return self.article_link(self._base_urls.get(conversation, ""))

    def get_output_channel(self) -> OutputChannel | None:
        return LaterOutput(self.sio, self.conversation_link, self.broker) if self.sio else None

    def _remember_base_url(self, conversation: str, base_url: str) -> None:
        self._base_urls[conversation] = base_url
        self._base_urls.move_to_end(conversation)
        while len(self._base_urls) > MAX_CONVERSATIONS:
            self._base_urls.popitem(last=False)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        # CORS for the polling transport comes from Rasa's --cors; who may connect is decided in
        # _admit() below, by origin and then by token.
        quiet = OneLineErrors(logging.getLogger("socketio.webchat"), {})
        replicas = self.replicas
        shared: dict[str, Any] = {}
        if replicas is not None:  # emits through Redis; the balancer keeps a polling session on its replica
            shared = {"client_manager": replicas.client_manager(), "cookie": SID_COOKIE}
        sio = WidgetSocketServer(
            async_mode="sanic", cors_allowed_origins=[], logger=quiet, engineio_logger=quiet, **shared
        )
        sio.eio._async = {**sio.eio._async, "websocket": CheckedWebSocket}  # the driver's table, this server only
        self.sio = sio
        self.presence = presence = replicas.presence() if replicas is not None else LocalPresence(sio)
        self.banners = banners = Banners(sio, self.known_incidents)
        bp = SocketBlueprint(sio, SOCKETIO_PATH, "webchat", __name__)
        live = self.live_chat
        broker = HandoffBroker(
            live.open_store(),
            live.settings,
            live.sweep_seconds,
            console_url=live.console_url,
            delivery_lock=replicas.delivery_lock if replicas is not None else None,
        )
        broker.links[self.name()] = SocketLink(sio, self.conversation_link, presence)
        consoles = AgentConsoles(broker, sio, live.agent_secret)  # the agents' namespace, /agents
        shared_consoles = replicas.consoles(broker, consoles) if replicas is not None else None
        if shared_consoles is not None:  # the consoles hear the news of every replica's broker
            broker.listeners[broker.listeners.index(consoles)] = shared_consoles
        self.broker = broker
        turns: SenderTurns[UserMessage] = SenderTurns(lambda message: self._turn(on_new_message, message))
        self.turns = turns

        @bp.listener("before_server_start")
        async def share_broker(app: Any, *_: Any) -> None:
            setattr(app.ctx, BROKER_CONTEXT, broker)  # the other channels' way to it (Teams)

        @bp.listener("after_server_start")
        async def start_broker(app: Any, *_: Any) -> None:
            # Rasa's agent (None in a bare Sanic app: the chat then goes unrecorded in any tracker)
            await broker.attach(getattr(app.ctx, "agent", None), self.get_output_channel)
            banners.start()
            presence.start()
            if shared_consoles is not None:
                shared_consoles.start()
            if replicas is not None and not sio.manager_initialized:
                # Listen on Redis from the start, not from this replica's first widget: an emit from
                # another replica in between would be lost.
                sio.manager_initialized = True
                sio.manager.initialize()

        @bp.listener("before_server_stop")
        async def finish_accepted_turns(*_: Any) -> None:
            try:
                await asyncio.wait_for(turns.drain(), DRAIN_SECONDS)
            except asyncio.TimeoutError:
                logger.warning("web chat: stopping with turns still running (they are logged as not handled)")
            await broker.detach()
            await banners.stop()
            await presence.stop()
            if shared_consoles is not None:
                await shared_consoles.stop()

        add_pages(bp, self.config, self.articles, self.env)
        self._on_socket_events(sio, turns)
        return bp

    async def _turn(self, on_new_message: Callable[[UserMessage], Awaitable[Any]], message: UserMessage) -> None:
        """One message, in the conversation's order: to the person the chat is handed to while a
        handoff is open (the broker asks the store, not the tracker), else to Rasa."""
        if self.broker is not None:
            try:
                if await self.broker.intercept(message):
                    return
            except Exception as exc:  # the database is down: the user must not think a person has it
                logger.error("webchat: live chat unavailable for %s: %s", message.sender_id, type(exc).__name__)
                await message.output_channel.send_text_message(message.sender_id, SORRY)
                return
        await answer_or_apologise(on_new_message, message)

    def _admit(self, environ: Mapping[str, Any], auth: object) -> tuple[VerifiedIdentity, str]:
        """Who a connecting browser is and the address it used; raises ``ConnectionRefusedError``
        with a reason the browser may see when it may not connect."""
        if self.config.disabled_reason:  # said once, at start-up
            raise ConnectionRefusedError("web widget not configured")
        base_url = _base_url(environ)
        origin = environ.get("HTTP_ORIGIN")
        if not self.config.origin_allowed(origin, _own_origin(base_url, self.env)):
            logger.info("webchat connection refused: origin %.100s is not allowed", origin)
            raise ConnectionRefusedError("origin not allowed")
        try:
            identity = verify_token(auth.get("token") if isinstance(auth, dict) else None, self.config)
        except TokenRejected as exc:
            logger.info("webchat connection refused: %s", exc)
            raise ConnectionRefusedError(exc.reason) from None
        return identity, base_url

    def _on_socket_events(self, sio: AsyncServer, turns: SenderTurns[UserMessage]) -> None:
        told_to_slow_down: set[str] = set()
        sent_by_socket: dict[str, int] = {}  # a socket's messages, counted: the id of one without its own

        @sio.on("connect")
        async def connect(sid: str, environ: dict[str, Any], auth: object = None) -> None:
            identity, base_url = self._admit(environ, auth)
            conversation = sender_id(identity)
            await sio.save_session(sid, {"sender_id": conversation, "identity": identity, "base_url": base_url})
            await sio.enter_room(sid, conversation)
            if self.presence is not None:
                await self.presence.joined(conversation, sid)
            self._remember_base_url(conversation, base_url)
            if self.broker is not None:  # an agent's lines sent while no tab was open
                await self.broker.user_connected(conversation)
            if self.banners is not None:
                await self.banners.connected(sid, identity)

        @sio.on("disconnect")
        async def disconnect(sid: str) -> None:
            sent_by_socket.pop(sid, None)
            if self.presence is not None:
                await self.presence.left(sid)
            if self.banners is not None:
                self.banners.disconnected(sid)

        @sio.on(SESSION_EVENT)
        async def session(sid: str, data: object = None) -> dict[str, str]:
            state = await sio.get_session(sid)
            if isinstance(data, Mapping) and data.get("new") is True:
                # To this tab only (the person's other tabs have their own conversation shown), and
                # before the answer: the widget says "Connected" once its first message is there.
                try:
                    hello = await self.welcomes.welcome(state["identity"])
                    await sio.emit(BOT_EVENT, bot_message(hello, self.article_link(state["base_url"])), room=sid)
                except Exception:  # no welcome is better than a widget that never says "Connected"
                    logger.exception("webchat: the welcome could not be sent")
            return {
                "session_id": state["sender_id"],
                "article_url": article_url_template(state["base_url"], self.env),
            }

        @sio.on(USER_TYPING_EVENT)
        async def user_typing(sid: str, data: object = None) -> None:
            if self.broker is not None:
                await self.broker.user_typing((await sio.get_session(sid))["sender_id"])

        @sio.on(USER_EVENT)
        async def user_uttered(sid: str, data: object = None) -> None:
            text = user_text(data)
            if text is None:
                return
            state = await sio.get_session(sid)
            output = WebChatOutput(sio, self.article_link(state["base_url"]), self.broker)
            conversation = state["sender_id"]
            sent_by_socket[sid] = sent_by_socket.get(sid, 0) + 1
            message = UserMessage(
                text,
                output,
                conversation,
                input_channel=self.name(),
                message_id=_message_id(data, sid, sent_by_socket[sid]),
                metadata=self.seal.metadata(self.name(), conversation, state["identity"]),
            )
            # Queued per person, not per socket: a closed tab or a reconnect never drops a turn.
            relayed = self.broker is not None and self.broker.handed_off(conversation)
            if turns.submit(conversation, message, relayed=relayed):
                told_to_slow_down.discard(conversation)
            elif conversation not in told_to_slow_down:  # once per flood, not once per refused message
                told_to_slow_down.add(conversation)
                await output.send_response(conversation, {"text": SLOW_DOWN})


def _message_id(data: object, sid: str, count: int) -> str:
    """The browser's own id for the message when it gives a plain one (a resend is then stored
    once), else one made from the socket and the message's number on it."""
    given = data.get("message_id") if isinstance(data, Mapping) else None
    if isinstance(given, str) and 0 < len(given) <= MAX_MESSAGE_ID_CHARS and given.isascii() and given.isprintable():
        return f"client:{given}"
    return "socket:" + hashlib.sha256(f"{sid}:{count}".encode()).hexdigest()[:32]


def _base_url(environ: Mapping[str, Any]) -> str:
    return f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', '')}"


def _own_origin(base_url: str, env: Mapping[str, str]) -> str:
    """The server's own pages' origin: ASKIT_PUBLIC_URL's when set (behind a proxy the request
    may say http://internal-host), else the address the browser used."""
    public = env.get(PUBLIC_URL_SETTING, "").strip().rstrip("/")
    return "/".join(public.split("/")[:3]) if public else base_url
