"""The live-agent broker in the Rasa server: while a conversation is handed to a person, the
channel gives the user's messages here instead of to Rasa, and the agent's come back through here.
It owns the relay (store -> the user's channel, then the delivery cursor), the Rasa tracker's
record of the chat (events only, no NLU nor policies), the timeouts' sweep and the hand-back.

One per process (bot/channels/webchat.py makes it and puts it on the Sanic app's context); each
channel that can reach its users gives it a UserLink (the widget's socket.io rooms; Teams'
connector, bot/channels/teams_handoff.py). The agents' namespace is bot/handoff/agents.py.
Rasa server only: it imports Rasa's events.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SlotSet, UserUttered

from bot import replies
from bot.channels.inbound import PAYLOAD
from bot.handoff.errors import HandoffError
from bot.handoff.models import ClosedIdle, Handoff, Message, QueueTimedOut, ReturnedToQueue, SweepEvent
from bot.handoff.settings import HandoffSettings
from bot.handoff.store import HandoffStore
from bot.replies import Reply

logger = logging.getLogger(__name__)

BROKER_CONTEXT = "handoff_broker"  # the attribute of the Sanic app's ctx that holds the process's broker
CLOSED_INTENT = "EXTERNAL_handoff_closed"  # domain.yml; its rule files the chat with the desk
RATE_INTENT = "rate_chat"
# A system line's message id says what it tells the user: "started:" the agent joined; else a notice.
STARTED = "started:"
USER_TYPING_EVERY = 2.0  # seconds: an agent is told a user is typing at most this often
CLOSE_MESSAGES = {
    "idle_user": "The chat has closed because we hadn't heard from you for a while.",
    "idle_agent": "The chat has closed: sorry, the service desk didn't get back to you in time.",
}


class UserLink(Protocol):
    """How the broker reaches the users of one channel."""

    async def reaches(self, handoff: Handoff) -> bool:
        """Whether a message sent now arrives (a widget of theirs is open on any replica; Teams can
        always push)."""

    async def send(self, handoff: Handoff, reply: Reply) -> None:
        """Show ``reply`` in the user's chat; raises when it could not."""

    async def typing(self, handoff: Handoff, name: str) -> None:
        """Show "<name> is typing"; a failure is not an error worth raising."""


class HandoffBroker:
    def __init__(
        self,
        store: HandoffStore,
        settings: HandoffSettings,
        sweep_seconds: float,
        clock: Callable[[], float] = time.time,
        console_url: str | None = None,
        delivery_lock: Callable[[str], AbstractAsyncContextManager[Any]] | None = None,
    ) -> None:
        self.store, self.settings = store, settings
        self.sweep_seconds, self.clock = sweep_seconds, clock
        self.console_url = console_url  # where agents accept chats: the Teams cards link there
        self.links: dict[str, UserLink] = {}  # channel name -> how its users are reached
        self.agent: Any = None  # Rasa's Agent, once the server has started (attach)
        self.output: Callable[[], OutputChannel | None] = lambda: None
        self.listeners: list[Any] = []  # the agents' namespace: told of every change (bot/handoff/agents.py)
        self._sweeper: asyncio.Task[None] | None = None
        # Conversations with an open handoff, as last seen here: a hint for the channel's flood
        # limit only (bot/channels/turns.py); whether a message goes to a person is the store's say.
        self._open: set[str] = set()
        # One delivery at a time per handoff: the console's events are handled concurrently, and two
        # deliveries reading the same undelivered messages would send them twice. Several replicas
        # share one lock per handoff (bot/channels/webchat_replicas.py); one process, these.
        self._delivering: dict[str, asyncio.Lock] = {}
        self._delivery_lock = delivery_lock or self._local_lock
        self._typed: dict[str, float] = {}  # conversation -> when its agent was last told the user types

    def _local_lock(self, handoff_id: str) -> asyncio.Lock:
        return self._delivering.setdefault(handoff_id, asyncio.Lock())

    def handed_off(self, conversation: str) -> bool:
        return conversation in self._open

    async def run(self, store_call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """A store call off the event loop (SQL waits for its lock)."""
        return await asyncio.to_thread(store_call, *args, **kwargs)

    # -- the server's life ----------------------------------------------------------------------

    async def attach(self, agent: Any, output: Callable[[], OutputChannel | None]) -> None:
        """The server has started: replay what users have not had, and start the sweep."""
        self.agent, self.output = agent, output
        await self._replay()
        self._sweeper = asyncio.create_task(self._sweep_forever())

    async def add_link(self, channel: str, link: UserLink) -> None:
        """``channel``'s users are reached through ``link``: what they have not had is sent now."""
        self.links[channel] = link
        if self.agent is not None:  # attached already: its replay could not reach this channel
            await self._replay(channel)

    async def _replay(self, channel: str | None = None, open_only: bool = False) -> None:
        for handoff in await self.run(self.store.with_undelivered, "user", open_only):
            if channel is None or handoff.channel == channel:
                await self.deliver(handoff.id)

    async def detach(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()

    # -- the user's side ------------------------------------------------------------------------

    async def intercept(self, message: UserMessage) -> bool:
        """True when the broker took the message (an open handoff, or a chat's rating); then Rasa
        must not see it. Called by the channel in the conversation's turn order."""
        conversation, text = message.sender_id, message.text or ""
        if text.startswith(f"/{RATE_INTENT}"):
            return await self._rate(conversation, text)
        handoff = await self.run(self.store.open_for, conversation)
        if handoff is None:
            self._open.discard(conversation)
            return False
        self._open.add(conversation)
        now = self.clock()
        if handoff.state == "queued" and text.strip().lower().rstrip(".!") in replies.CANCEL_WORDS:
            try:
                ended = await self.run(self.store.cancel, handoff.id, now=now)
            except HandoffError:  # an agent took it a moment ago: the words go to them
                ended = None
            if ended is not None:
                await self._record(conversation, _user_events(text, ended.id))
                await self.tell_user(
                    ended, replies.handoff_ticket_offer("OK, I've stopped waiting for a person.", ended.id), offer=True
                )
                await self.changed(ended)
                return True
        message_id = message.message_id or f"{conversation}:{now}"
        try:
            stored = await self.run(self.store.post, handoff.id, message_id, "user", text, now=now)
        except HandoffError:  # ended in between: the bot answers
            return False
        await self._record(conversation, _user_events(stored.text, handoff.id))
        await self.message_posted(handoff, stored)
        return True

    async def _rate(self, conversation: str, text: str) -> bool:
        values = _payload_values(text)
        try:
            score, handoff_id = int(values.get("score", "")), values.get("handoff_id", "")
            handoff = await self.run(self.store.get, handoff_id)
        except (ValueError, HandoffError):
            return False
        if handoff.conversation != conversation or not 1 <= score <= 5:
            return False
        await self.run(self.store.rate, handoff.id, score)
        await self._record(conversation, _user_events(text, handoff.id))
        await self.tell_user(handoff, replies.chat_rated(handoff.id, score))
        return True

    async def user_typing(self, conversation: str) -> None:
        """The user is typing: the agent who holds the chat is told (at most every
        USER_TYPING_EVERY seconds), and the user's idle timeout counts from now. Nothing while the
        bot has the conversation: a user's typing is not reported to anyone then."""
        now = self.clock()
        if conversation not in self._open or now - self._typed.get(conversation, 0.0) < USER_TYPING_EVERY:
            return
        self._typed[conversation] = now
        handoff = await self.run(self.store.open_for, conversation)
        if handoff is None or handoff.state != "assigned":
            return
        await self.run(self.store.touch, handoff.id, "user", now=now)
        for listener in self.listeners:
            await listener.user_typing(handoff)

    async def user_connected(self, conversation: str) -> None:
        """A widget joined the conversation's room: what it missed of an open chat is sent now, and
        the line that ended a chat while it was closed."""
        handoff = await self.run(self.store.open_for, conversation)
        if handoff is not None:
            await self.deliver(handoff.id)
        for ended in await self.run(self.store.with_notice, conversation):
            await self._send_notice(ended)

    async def queued(self, handoff_id: str, reference: Mapping[str, Any] | None = None) -> None:
        """The bot told a user they are queued (a reply with flow handoff_queued passed the channel's
        output): the agents hear of it now. ``reference``: how the channel reaches the user later."""
        try:
            if reference is not None:
                handoff = await self.run(self.store.set_reference, handoff_id, reference)
            else:
                handoff = await self.run(self.store.get, handoff_id)
        except HandoffError:
            return
        await self.changed(handoff)

    # -- to the user ----------------------------------------------------------------------------

    async def deliver(self, handoff_id: str) -> None:
        """Send the user every agent's and system message they have not had, in order, moving the
        cursor past each one sent; nothing when the channel cannot reach them now (a widget opening
        is sent them then; what a channel failed to send, the next sweep sends again)."""
        async with self._delivery_lock(handoff_id):
            handoff = await self.run(self.store.get, handoff_id)
            link = self.links.get(handoff.channel)
            if link is None or not await link.reaches(handoff):
                return
            sent = 0
            try:
                for m in await self.run(self.store.undelivered, handoff_id, "user"):
                    await link.send(handoff, _reply_for(handoff, m))
                    sent = m.seq
            except Exception as exc:  # the channel is down or throttling: kept for the next try
                logger.warning("handoff %s: the user's channel did not take a message: %s", handoff_id, exc)
            if sent:
                await self.run(self.store.mark_delivered, handoff_id, sent, "user")

    async def tell_user(self, handoff: Handoff, reply: Reply, offer: bool = False) -> None:
        """A line outside the chat's messages (the chat has ended): kept in the tracker, and sent now,
        or when the user's widget next connects (or the next sweep, for Teams) if it cannot be now;
        ``offer``: it offers a ticket, so the user's yes raises one."""
        kept = await self.run(self.store.keep_notice, handoff.id, dict(reply))
        await self._send_notice(kept)
        events: list[Event] = [_bot_event(reply, {"handoff_id": handoff.id})]
        if offer:
            events.append(SlotSet("awaiting", "ticket_offer"))
        await self._record(handoff.conversation, events)

    async def _send_notice(self, handoff: Handoff) -> None:
        link = self.links.get(handoff.channel)
        if handoff.user_notice is None or link is None:
            return
        async with self._delivery_lock(handoff.id):  # read again under the lock: another may have sent it
            handoff = await self.run(self.store.get, handoff.id)
            notice = handoff.user_notice
            if notice is None or not await link.reaches(handoff):
                return
            try:
                await link.send(handoff, Reply(text=notice["text"], buttons=notice["buttons"], custom=notice["custom"]))
            except Exception as exc:  # kept for the next try
                logger.warning("handoff %s: the user's channel did not take a message: %s", handoff.id, exc)
                return
            await self.run(self.store.keep_notice, handoff.id, None)

    async def typing(self, handoff: Handoff, name: str) -> None:
        link = self.links.get(handoff.channel)
        if link is not None and await link.reaches(handoff):
            await link.typing(handoff, name)

    # -- from the agents ------------------------------------------------------------------------

    async def message_posted(self, handoff: Handoff, message: Message) -> None:
        """A message was stored: the user gets it (agent and system lines), the agents see it, and
        an agent's line goes into the tracker."""
        if message.sender in ("agent", "system"):
            await self.deliver(handoff.id)
        if message.sender == "agent":
            reply = _reply_for(handoff, message)
            meta = {"handoff_id": handoff.id, "agent_id": message.author_id, "agent_name": message.author_name}
            await self._record(handoff.conversation, [_bot_event(reply, meta)])
        for listener in self.listeners:
            await listener.message(handoff, message)

    async def changed(self, handoff: Handoff) -> None:
        self.noted(handoff)
        for listener in self.listeners:
            await listener.changed(handoff)

    def noted(self, handoff: Handoff) -> None:
        """Keep this process's hints in step with a handoff's state, changed here or, with several
        replicas, by another's broker (bot/channels/webchat_replicas.py)."""
        if handoff.is_open:
            self._open.add(handoff.conversation)
        else:
            self._open.discard(handoff.conversation)
            self._delivering.pop(handoff.id, None)
            self._typed.pop(handoff.conversation, None)

    async def started(self, handoff: Handoff) -> None:
        """An agent accepted: the user is told who joined (a system line, so a restart replays it)."""
        name = handoff.agent_name or "Someone"
        text = replies.handoff_started(handoff.id, name)["text"]
        message_id = f"{STARTED}{handoff.agent_id}:{handoff.assigned_at}"
        posted = await self.run(
            self.store.post,
            handoff.id,
            message_id,
            "system",
            text,
            now=self.clock(),
            author_id=handoff.agent_id,
            author_name=name,
        )
        await self.message_posted(handoff, posted)

    async def notice(self, handoff: Handoff, text: str, key: str) -> None:
        posted = await self.run(self.store.post, handoff.id, f"{key}:{self.clock()}", "system", text, now=self.clock())
        await self.message_posted(handoff, posted)

    async def ended(self, handoff: Handoff, why: str = "") -> None:
        """The chat closed: the bot is back and asks for a rating; the desk gets the transcript."""
        await self.tell_user(handoff, replies.handoff_ended(handoff.id, why))
        await self.changed(handoff)
        await self._trigger_filing(handoff)

    # -- the tracker ----------------------------------------------------------------------------

    async def _record(self, conversation: str, events: Sequence[Event]) -> None:
        """Append ``events`` to the conversation's tracker, under its lock, running nothing."""
        if self.agent is None:
            return
        try:
            async with self.agent.lock_store.lock(conversation):
                tracker = await self.agent.processor.get_tracker(conversation)
                for event in events:
                    tracker.update(event)
                await self.agent.processor.save_tracker(tracker)
        except Exception as exc:  # the chat goes on; its record in the tracker has a gap
            logger.error("handoff: could not record in the tracker of %s: %s", conversation, type(exc).__name__)

    async def _trigger_filing(self, handoff: Handoff) -> None:
        """Rasa's external event EXTERNAL_handoff_closed: its action (actions/handoff.py) puts the
        transcript into the outbox, which lives in the action server."""
        if self.agent is None:
            return
        try:
            async with self.agent.lock_store.lock(handoff.conversation):
                output = self.output()
                tracker = await self.agent.processor.fetch_tracker_and_update_session(handoff.conversation, output)
                await self.agent.trigger_intent(CLOSED_INTENT, {"handoff_id": handoff.id}, output, tracker)
        except Exception as exc:
            logger.error("handoff %s: could not be filed with the desk: %s", handoff.id, type(exc).__name__)

    # -- the timeouts ---------------------------------------------------------------------------

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(self.sweep_seconds)
            try:
                await self.sweep()
            except Exception as exc:
                logger.error("handoff sweep failed: %s", type(exc).__name__)

    async def sweep(self) -> None:
        """Apply the timeouts and tell the user and the agents what happened."""
        for listener in self.listeners:
            await listener.heartbeat()
        await self._replay(open_only=True)  # what a channel failed to send before
        for ended in await self.run(self.store.with_notice):
            await self._send_notice(ended)
        events: list[SweepEvent] = await self.run(self.store.sweep, self.clock(), self.settings.timeouts)
        for event in events:
            handoff = event.handoff
            if isinstance(event, QueueTimedOut):
                text = "Sorry, nobody from the service desk could take the chat in time."
                await self.tell_user(handoff, replies.handoff_ticket_offer(text, handoff.id), offer=True)
                await self.changed(handoff)
            elif isinstance(event, ReturnedToQueue):
                await self.changed(handoff)
                await self.notice(
                    handoff, "You're back in the queue: another person will be with you soon.", "requeued"
                )
            elif isinstance(event, ClosedIdle):
                await self.ended(handoff, CLOSE_MESSAGES[f"idle_{event.who}"])


def _reply_for(handoff: Handoff, message: Message) -> Reply:
    if message.sender == "agent":
        return replies.handoff_message(handoff.id, message.author_name or "Service desk", message.text)
    if message.message_id.startswith(STARTED):
        return replies.handoff_started(handoff.id, message.author_name or "Someone")
    return replies.handoff_notice(handoff.id, message.text)


def _bot_event(reply: Reply, metadata: Mapping[str, Any]) -> BotUttered:
    data = {"buttons": [dict(b) for b in reply["buttons"]] or None, "custom": reply["custom"]}
    return BotUttered(reply["text"], data, dict(metadata))


def _user_events(text: str, handoff_id: str) -> list[Event]:
    """The user's message as the tracker keeps it, and the bot listening again (no prediction ran)."""
    return [UserUttered(text, metadata={"handoff_id": handoff_id}), ActionExecuted(ACTION_LISTEN_NAME)]


def _payload_values(text: str) -> dict[str, str]:
    import json

    match = PAYLOAD.fullmatch(text)
    if match is None or not match["entities"]:
        return {}
    try:
        values = json.loads(match["entities"])
    except ValueError:
        return {}
    return {k: v for k, v in values.items() if isinstance(v, str)} if isinstance(values, dict) else {}
