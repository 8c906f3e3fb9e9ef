"""The Microsoft Teams channel: a Bot Framework webhook at ``/webhooks/teams/webhook``.

Every request's JWT is verified before its activity is used (bot/channels/botframework_auth.py);
a verified activity is acknowledged at once and answered asynchronously through the connector
API (bot/channels/connector.py), so a slow turn never makes Teams retry, and a retried activity
id is answered only once (what is remembered between requests: bot/channels/teams_state.py).
While a turn runs the user sees "typing". The user's Azure AD object id, tenant and UPN go into
the message metadata for the actions (bot/identity.py). Only the partner organisations' Azure AD
tenants are served.

credentials.yml:

    bot.channels.teams.TeamsInput:
      app_id: "<Azure bot's Microsoft App ID>"
      app_password: ${TEAMS_APP_PASSWORD}     # a client secret: from the environment only
      tenant_id: "<tenant id>"                # optional: a single-tenant app registration
      openid_metadata_url: "https://..."      # optional: the Bot Framework's, by default
      login_url: "https://..."                # optional: Azure AD's, by default
      allowed_tenants: ["<tenant id>", ...]   # optional: else tenant_id, else knowledge_base/tenants.yml
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.articles import PublishedArticles, full_article_url, index_dir, request_base_url
from bot.channels.botframework_auth import DEFAULT_OPENID_METADATA_URL, BotFrameworkAuth, SigningKeys, fetch_json
from bot.channels.connector import DEFAULT_LOGIN_URL, AppCredentials, ConnectorClient
from bot.channels.errors import AuthError, ConnectorError, KeysUnavailable, TeamsConfigError
from bot.channels.inbound import clean_sender
from bot.channels.settings import channel_settings
from bot.channels.teams_cards import Used, button_title, interactive
from bot.channels.teams_handoff import AgentsChannel, TeamsLink, reference
from bot.channels.teams_payloads import (
    ConversationRef,
    aad_tenant,
    conversation_ref,
    incoming_text,
    is_activity,
    message_activity,
    pressed,
    pressed_card,
    reply,
    typing,
    verified_identity,
)
from bot.channels.teams_state import ConversationDirectory, LiveCard, LiveCards, teams_state
from bot.channels.welcome import Welcomes
from bot.handoff.broker import BROKER_CONTEXT, HandoffBroker
from bot.handoff.order import InOrder
from bot.identity import IdentitySeal, known_aad_tenants
from bot.incidents.known import KnownIncidents
from bot.replies import SORRY
from bot.secret import Secret

logger = logging.getLogger(__name__)

CHANNEL_NAME = "teams"
STALE_BUTTON = (
    "That button is on an earlier message, so I haven't acted on it. Tell me what you need, "
    "or use the buttons on my latest message."
)
TYPING_EVERY_SECONDS = 3.0  # Teams shows "typing" for about three seconds per indicator


@dataclass(frozen=True)
class TeamsSettings:
    app_id: str
    app_password: Secret = field(repr=False)
    tenant_id: str | None = None
    openid_metadata_url: str = DEFAULT_OPENID_METADATA_URL
    login_url: str = DEFAULT_LOGIN_URL
    allowed_tenants: frozenset[str] | None = None  # None: any tenant (only when nothing says otherwise)

    @classmethod
    def from_credentials(cls, credentials: Mapping[str, Any] | None) -> TeamsSettings:
        """Read and check the channel's settings; errors name the key in credentials.yml."""
        given = dict(credentials or {})
        where = f"credentials.yml: {TeamsInput.__module__}.{TeamsInput.__name__}"

        def text(key: str, required: bool = False) -> str | None:
            value = given.get(key)
            if value is None or (isinstance(value, str) and not value.strip()):
                if required:
                    raise TeamsConfigError(f"{where}: '{key}' is required")
                return None
            if not isinstance(value, str):
                raise TeamsConfigError(f"{where}: '{key}' must be text")
            return value.strip()

        for key in ("openid_metadata_url", "login_url"):
            url = text(key)
            if url and not url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
                raise TeamsConfigError(f"{where}: '{key}' must be an https URL")
        tenant_id = text("tenant_id")
        allowed = given.get("allowed_tenants")
        if allowed is not None and not (isinstance(allowed, list) and all(isinstance(t, str) for t in allowed)):
            raise TeamsConfigError(f"{where}: 'allowed_tenants' must be a list of Azure AD tenant ids")
        if allowed is None:
            allowed = [tenant_id] if tenant_id else sorted(known_aad_tenants()) or None
        return cls(
            app_id=text("app_id", required=True) or "",
            app_password=Secret(text("app_password", required=True) or ""),
            tenant_id=tenant_id,
            openid_metadata_url=text("openid_metadata_url") or DEFAULT_OPENID_METADATA_URL,
            login_url=text("login_url") or DEFAULT_LOGIN_URL,
            allowed_tenants=frozenset(t.lower() for t in allowed) if allowed is not None else None,
        )


class TeamsOutput(OutputChannel):
    """Sends a user's replies into their Teams conversation, during a turn or after it; a card with
    buttons closes the buttons of the card before it (bot/channels/teams_cards.py). ``turn`` is the
    conversation a turn came from: its replies go there without a look-up (and without the shared
    store, should it be down)."""

    def __init__(
        self,
        client: ConnectorClient,
        conversations: ConversationDirectory,
        articles: PublishedArticles,
        cards: LiveCards,
        broker: HandoffBroker | None = None,
        turn: ConversationRef | None = None,
    ) -> None:
        self.client, self.conversations, self.articles, self.cards = client, conversations, articles, cards
        self.broker, self.turn = broker, turn

    @classmethod
    def name(cls) -> str:
        return CHANNEL_NAME

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        turn = self.turn
        in_turn = turn is not None and clean_sender(turn.user_id) == recipient_id
        ref = turn if in_turn else await self.conversations.get(recipient_id)
        if ref is None:  # e.g. news for a conversation this process has not seen since it started
            logger.warning("no Teams conversation known for %s; the reply waits for their next message", recipient_id)
            return
        given = message.get("custom")
        custom: Mapping[str, Any] = given if isinstance(given, Mapping) else {}
        handoff_id = custom.get("handoff_id")
        if self.broker is not None and custom.get("flow") == "handoff_queued" and isinstance(handoff_id, str):
            await self.broker.queued(handoff_id, reference(ref))  # how the agent's lines will reach them
        try:
            await self.deliver(ref, message)
        except ConnectorError as exc:
            logger.error("could not send a reply to Teams conversation %s: %s", ref.conversation_id, exc)

    async def deliver(self, ref: ConversationRef, message: Mapping[str, Any]) -> None:
        """Send ``message`` into ``ref``'s conversation; raises ConnectorError when it did not go."""
        sent = await self.client.send(
            ref.service_url, ref.conversation_id, message_activity(ref, reply(message, self._link(ref)))
        )
        if interactive(message) and isinstance(sent.get("id"), str):
            closed = await self.cards.replace(ref.conversation_id, LiveCard(sent["id"], message))
            if closed is not None:
                await self.redraw(ref, closed, Used())

    async def redraw(self, ref: ConversationRef, card: LiveCard, used: Used) -> None:
        """Draw ``card`` again in place, its buttons used or closed."""
        activity = message_activity(ref, reply(card.message, self._link(ref), used))
        try:
            await self.client.update(ref.service_url, ref.conversation_id, card.activity_id, activity)
        except ConnectorError as exc:  # its buttons stay; a press on them is still refused as stale
            logger.warning("could not close a card's buttons in Teams conversation %s: %s", ref.conversation_id, exc)

    def _link(self, ref: ConversationRef) -> Callable[[str], str | None]:
        return lambda article_id: full_article_url(article_id, ref.base_url, self.articles)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text})


class TeamsInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return CHANNEL_NAME

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> TeamsInput:
        return cls(TeamsSettings.from_credentials(credentials))

    def __init__(self, settings: TeamsSettings, seal: IdentitySeal | None = None) -> None:
        self.settings = settings
        channel_settings(os.environ)  # the settings every channel shares (bot/channels/settings.py)
        self.seal = seal or IdentitySeal.from_env()  # raises, naming the setting, when it is missing
        self.client = ConnectorClient(
            AppCredentials(settings.app_id, settings.app_password, settings.tenant_id, settings.login_url)
        )
        self.auth = BotFrameworkAuth(settings.app_id, SigningKeys(settings.openid_metadata_url, fetch_json))
        self.articles = PublishedArticles(index_dir())  # which articles have a page to link to
        # In this process, or shared by the replicas through Redis when REDIS_URL is set.
        self.state = teams_state(os.environ)
        self.conversations, self.members = self.state.conversations, self.state.members
        self.seen, self.cards = self.state.seen, self.state.cards
        self.broker: HandoffBroker | None = None  # the live chat's, once the server has started
        self.relayed = InOrder()
        self.known_incidents = KnownIncidents.from_env(os.environ)  # said in the welcome
        self.welcomes = Welcomes(self.known_incidents.database, index_dir())  # the greeting, and starter topics
        self._tasks: set[asyncio.Task[None]] = set()
        if settings.allowed_tenants is None:
            logger.warning("Teams: no allowed_tenants and none in tenants.yml: users of any Azure AD tenant are served")

    def get_output_channel(self, turn: ConversationRef | None = None) -> TeamsOutput:
        return TeamsOutput(self.client, self.conversations, self.articles, self.cards, self.broker, turn)

    async def drain(self) -> None:
        """Wait until every accepted activity's turn has finished (tests, and a clean shutdown)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("teams_webhook", __name__)

        @bp.listener("after_server_start")
        async def join_live_chat(app: Any, *_: Any) -> None:
            await self.join_live_chat(getattr(app.ctx, BROKER_CONTEXT, None))

        @bp.listener("before_server_stop")
        async def close_state(*_: Any) -> None:
            await self.state.close()

        @bp.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            refused = await self._refusal(request)
            if refused is not None:
                return refused
            activity = request.json
            key = f"{(activity.get('conversation') or {}).get('id')}/{activity.get('id')}"
            if activity.get("id") and not await self.seen.first_time(key):
                logger.info("Teams retried activity %s; already answered", key)
                return response.empty(status=200)
            self._track(asyncio.create_task(self._handle(activity, request_base_url(request), on_new_message)))
            return response.empty(status=202)

        return bp

    async def join_live_chat(self, broker: HandoffBroker | None) -> None:
        """Reach Teams users from the live chat (the web widget's channel makes the broker), and
        post request cards into the agents' channel when handoff.yml names one."""
        if broker is None:
            return
        self.broker = broker
        await broker.add_link(CHANNEL_NAME, TeamsLink(self.client, self.get_output_channel().deliver))
        settings = broker.settings
        if settings.teams_agents_channel:
            channel, bot_id = settings.teams_agents_channel, f"28:{self.settings.app_id}"  # a bot's Teams account
            AgentsChannel(broker, self.client, settings.teams_service_url, channel, bot_id, broker.console_url)

    def _track(self, task: asyncio.Task[None]) -> None:
        self._tasks.add(task)  # held until done: a task nobody references may be collected
        task.add_done_callback(self._tasks.discard)

    async def _refusal(self, request: Request) -> HTTPResponse | None:
        """None if the request is a verified activity for us; else the answer that refuses it."""
        try:
            token = await self.auth.verify_token(request.headers.get("Authorization"))
        except AuthError as exc:
            logger.warning("Teams request refused: %s", exc)
            return response.json({"error": "unauthorized"}, status=401)
        except KeysUnavailable as exc:  # the Bot Framework retries; nothing is processed unverified
            logger.error("Teams request not verified: %s", exc)
            return response.json({"error": "cannot verify the request now"}, status=503)
        try:
            activity = request.json
        except Exception:  # Sanic raises its own error for a body that is not JSON
            activity = None
        if not is_activity(activity):
            return response.json({"error": "the body must be a Bot Framework activity"}, status=400)
        try:
            self.auth.check_activity(token, activity.get("serviceUrl"), activity.get("channelId"))
        except AuthError as exc:
            logger.warning("Teams request refused: %s", exc)
            return response.json({"error": "unauthorized"}, status=401)
        allowed = self.settings.allowed_tenants
        if allowed is not None and aad_tenant(activity) not in allowed:
            logger.warning(
                "Teams activity from Azure AD tenant %s, which is not a partner; ignored", aad_tenant(activity)
            )
            return response.json({"error": "this tenant is not served"}, status=403)
        return None

    async def _handle(
        self, activity: dict[str, Any], base_url: str, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> None:
        ref = conversation_ref(activity, base_url)
        sender = clean_sender(ref.user_id)  # the Rasa conversation, and the key replies find ref by
        if sender is None:
            return
        await self.conversations.remember(sender, ref)
        output = self.get_output_channel(ref)
        kind = activity.get("type")
        if kind == "conversationUpdate":
            added = {m.get("id") for m in activity.get("membersAdded") or [] if isinstance(m, dict)}
            if ref.bot.get("id") in added:
                identity = verified_identity(activity, await self._member(ref))
                known = await self.known_incidents.of(identity)
                hello = await self.welcomes.welcome(identity, [(i.id, i.title, i.summary) for i in known])
                await output.send_response(sender, dict(hello))
            return
        if kind == "typing" and self.broker is not None:  # shown to the agent who has the chat, if any
            await self.broker.user_typing(sender)
            return
        if kind != "message":
            return
        payload, card_id = pressed(activity), pressed_card(activity)
        # Taken in one step before anything else is asked: of two presses of one button (a double
        # click reaching two replicas, say) one gets the card, the other finds it closed.
        used = await self.cards.press(ref.conversation_id, card_id) if payload is not None else None
        if payload is not None and used is None and await self.cards.is_stale(ref.conversation_id, card_id):
            await output.send_response(sender, {"text": STALE_BUTTON})  # not a second flow from an old card
            return
        if used is not None:  # drawn again without its buttons while the turn runs
            chosen = Used(button_title(used.message, payload or "") or payload)
            self._track(asyncio.create_task(output.redraw(ref, used, chosen)))
        if await self._relayed(activity, sender, output):
            return
        typing_task = asyncio.create_task(self._keep_typing(ref))
        try:
            identity = verified_identity(activity, await self._member(ref))
            await on_new_message(
                UserMessage(
                    incoming_text(activity),
                    output,
                    sender_id=sender,
                    input_channel=CHANNEL_NAME,
                    message_id=clean_sender(activity.get("id")),
                    metadata=self.seal.metadata(CHANNEL_NAME, sender, identity),
                )
            )
        except Exception as exc:  # the user must still hear something; the turn's content is not logged
            logger.error("Teams turn failed for conversation %s: %s", ref.conversation_id, type(exc).__name__)
            await output.send_response(sender, {"text": SORRY})
        finally:
            typing_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await typing_task

    async def _relayed(self, activity: dict[str, Any], sender: str, output: TeamsOutput) -> bool:
        """True when the live chat took the message (an agent has the conversation, or it rates a
        chat): then Rasa must not see it. In the order the messages arrived."""
        if self.broker is None:
            return False
        message = UserMessage(
            incoming_text(activity),
            output,
            sender_id=sender,
            input_channel=CHANNEL_NAME,
            message_id=clean_sender(activity.get("id")),
        )
        try:
            async with self.relayed.turn(sender):
                return await self.broker.intercept(message)
        except Exception as exc:  # the database is down: the user must not think a person has it
            logger.error("Teams: live chat unavailable for %s: %s", sender, type(exc).__name__)
            await output.send_response(sender, {"text": SORRY})
            return True

    async def _keep_typing(self, ref: ConversationRef) -> None:
        while True:
            try:
                await self.client.send(ref.service_url, ref.conversation_id, message_activity(ref, typing()))
            except ConnectorError as exc:
                logger.info("typing indicator not sent: %s", exc)
            await asyncio.sleep(TYPING_EVERY_SECONDS)

    async def _member(self, ref: ConversationRef) -> dict[str, Any] | None:
        """The user's entry in the conversation members API (UPN, e-mail), cached for an hour."""
        cached = await self.members.get(ref.conversation_id, ref.user_id)
        if cached is not None:
            return cached
        try:
            member = await self.client.member(ref.service_url, ref.conversation_id, ref.user_id)
        except ConnectorError as exc:  # answer anyway; the ticket will lack the e-mail
            logger.warning("could not look up the Teams user's e-mail: %s", exc)
            return None
        await self.members.put(ref.conversation_id, ref.user_id, member)
        return member
