"""The agents' socket.io namespace ``/agents`` on the widget's server (path /socket.io): the web
agent console's live connection to the broker. docs/agents.md ("How it works") is the protocol's
reference; in short:

    connect with auth {"token": "<JWT>"} (bot/handoff/agent_token.py); refused (connect_error) otherwise
    client -> server, each answered through the ack as {"ok": true, ...} or {"ok": false, "error": "..."}:
      presence {state, capacity?}   accept {handoff_id}   send {handoff_id, message_id, text}
      note {handoff_id, message_id, text}   typing {handoff_id}   release {handoff_id}
      transfer {handoff_id, to_agent? | to_group?}   close {handoff_id, note?}   ack {handoff_id, seq}
      history {handoff_id} -> {handoff, messages, context}
    server -> client: queue {waiting: [...]}, handoff {...}, message {...}
An agent sees and acts on only the handoffs of their token's groups and councils (and those they hold).
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from socketio import AsyncServer
from socketio.exceptions import ConnectionRefusedError

from bot.channels.inbound import MAX_TEXT_CHARS, clean_words
from bot.handoff.agent_token import AgentClaims, AgentTokenRejected, verify
from bot.handoff.broker import HandoffBroker
from bot.handoff.errors import HandoffError
from bot.handoff.models import PRESENCES, Handoff, Message, Waiting
from bot.handoff.order import InOrder
from bot.identity import serves
from bot.redaction import redact_typed_secrets
from bot.secret import Secret

logger = logging.getLogger(__name__)

NAMESPACE = "/agents"
MAX_CAPACITY = 20
MAX_NOTE_CHARS = MAX_TEXT_CHARS
CONTEXT_TURNS = 50  # of the conversation before the handoff, the latest this many lines
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@+-]{0,127}")


class Refused(Exception):
    """A console's request that cannot be done; the message is a sentence for the agent."""


Handler = Callable[[AgentClaims, Mapping[str, Any]], Awaitable[dict[str, Any]]]


class AgentConsoles:
    """The consoles connected to this server, and what they may see and do."""

    def __init__(self, broker: HandoffBroker, sio: AsyncServer, secret: Secret | None) -> None:
        self.broker, self.sio, self.secret = broker, sio, secret
        self.store = broker.store
        self.sessions: dict[str, AgentClaims] = {}  # socket id -> the agent
        self.order = InOrder()  # per chat (handoff id)
        broker.listeners.append(self)
        self._register()

    # -- what an agent may see ------------------------------------------------------------------

    @staticmethod
    def visible(agent: AgentClaims, handoff: Handoff) -> bool:
        return handoff.agent_id == agent.id or (
            handoff.group in agent.groups and serves(agent.councils, handoff.tenant)
        )

    async def _visible_handoff(self, agent: AgentClaims, data: Mapping[str, Any]) -> Handoff:
        handoff_id = _id(data.get("handoff_id"), "handoff_id")
        try:
            handoff = await self.broker.run(self.store.get, handoff_id)
        except HandoffError:
            raise Refused("There is no such chat.") from None
        if not self.visible(agent, handoff):
            raise Refused("That chat is not one of your groups' or councils'.")
        return handoff

    # -- server -> consoles ---------------------------------------------------------------------

    async def changed(self, handoff: Handoff) -> None:
        for sid, agent in list(self.sessions.items()):
            if self.visible(agent, handoff):
                await self.sio.emit("handoff", public(handoff), to=sid, namespace=NAMESPACE)
        await self.send_queues()

    async def message(self, handoff: Handoff, message: Message) -> None:
        for sid, agent in list(self.sessions.items()):
            if self.visible(agent, handoff):
                await self.sio.emit("message", message_event(message), to=sid, namespace=NAMESPACE)

    async def user_typing(self, handoff: Handoff) -> None:
        """The user is typing: the agent who holds the chat sees it (the console shows it in that chat)."""
        for sid, agent in list(self.sessions.items()):
            if handoff.agent_id == agent.id:
                await self.sio.emit("typing", {"handoff_id": handoff.id, "who": "user"}, to=sid, namespace=NAMESPACE)

    async def send_queues(self, only: str | None = None) -> None:
        now = self.broker.clock()
        for sid, agent in list(self.sessions.items()):
            if only is None or sid == only:
                waiting = await self.broker.run(self.store.queue, agent.groups, now=now, councils=agent.councils)
                await self.sio.emit(
                    "queue", {"waiting": [queue_entry(w) for w in waiting]}, to=sid, namespace=NAMESPACE
                )

    async def heartbeat(self) -> None:
        """Consoles still connected stay available (bot/handoff/queue.py: SEEN_WITHIN); one whose
        token has expired is disconnected (it reconnects with a fresh one)."""
        now = self.broker.clock()
        for sid, agent in list(self.sessions.items()):
            if agent.expires <= now:
                await self.sio.disconnect(sid, namespace=NAMESPACE)
            else:
                await self.broker.run(self.store.seen, agent.id, now=now)

    # -- consoles -> server ---------------------------------------------------------------------

    def _register(self) -> None:
        sio = self.sio

        async def connect(sid: str, environ: dict[str, Any], auth: object = None) -> None:
            if self.secret is None:
                raise ConnectionRefusedError("agent console not configured")
            try:
                agent = verify(auth.get("token") if isinstance(auth, dict) else None, self.secret.reveal())
            except AgentTokenRejected as exc:
                logger.info("agent console refused: %s", exc)
                raise ConnectionRefusedError(str(exc)) from None
            self.sessions[sid] = agent
            await self.broker.run(self.store.seen, agent.id, now=self.broker.clock())
            await self.send_queues(only=sid)
            # The chats the agent holds, so a console opened anew (another browser) shows them too.
            for handoff in await self.broker.run(self.store.assigned_to, agent.id):
                await self.sio.emit("handoff", public(handoff), to=sid, namespace=NAMESPACE)

        async def disconnect(sid: str) -> None:
            self.sessions.pop(sid, None)

        sio.on("connect", connect, namespace=NAMESPACE)
        sio.on("disconnect", disconnect, namespace=NAMESPACE)
        handlers: dict[str, Handler] = {
            "presence": self.presence,
            "accept": self.accept,
            "send": self.send,
            "note": self.note,
            "typing": self.typing,
            "release": self.release,
            "transfer": self.transfer,
            "close": self.close,
            "ack": self.ack,
            "history": self.history,
        }
        for event, handler in handlers.items():
            sio.on(event, self._answered(handler), namespace=NAMESPACE)

    def _answered(self, handler: Handler) -> Callable[..., Awaitable[dict[str, Any]]]:
        async def answer(sid: str, data: object = None) -> dict[str, Any]:
            agent = self.sessions.get(sid)
            if agent is None or agent.expires <= self.broker.clock():
                return {"ok": False, "error": "Your session has expired: sign in again."}
            if not isinstance(data, dict):
                return {"ok": False, "error": "That request was not understood."}
            # Each event is its own task, and the store is written from threads: one chat's events are
            # handled in the order they arrived, so two sends are stored (and shown) as they were sent.
            chat = data.get("handoff_id")
            try:
                async with self.order.turn(chat) if isinstance(chat, str) else contextlib.nullcontext():
                    return {"ok": True, **await handler(agent, data)}
            except Refused as exc:
                return {"ok": False, "error": str(exc)}
            except HandoffError as exc:
                return {"ok": False, "error": _sentence(exc)}
            except ValueError as exc:
                return {"ok": False, "error": _sentence(exc)}

        return answer

    async def presence(self, agent: AgentClaims, data: Mapping[str, Any]) -> dict[str, Any]:
        state = data.get("state")
        if state not in PRESENCES:
            raise Refused(f"A presence is one of {', '.join(PRESENCES)}.")
        capacity = data.get("capacity", self.broker.settings.capacity)
        if not isinstance(capacity, int) or isinstance(capacity, bool) or not 0 <= capacity <= MAX_CAPACITY:
            raise Refused(f"A capacity is a whole number from 0 to {MAX_CAPACITY}.")
        now = self.broker.clock()
        saved = await self.broker.run(
            self.store.set_presence,
            agent.id,
            name=agent.name,
            groups=agent.groups,
            councils=agent.councils,
            state=state,
            capacity=capacity,
            now=now,
        )
        return {"presence": {"state": saved.state, "capacity": saved.capacity}}

    async def accept(self, agent: AgentClaims, data: Mapping[str, Any]) -> dict[str, Any]:
        handoff = await self._visible_handoff(agent, data)
        taken = await self.broker.run(self.store.accept, handoff.id, agent.id, now=self.broker.clock())
        if taken.assigned_at != handoff.assigned_at or handoff.state != "assigned":
            await self.broker.changed(taken)
            await self.broker.started(taken)
        return {"handoff": public(taken)}

    async def send(self, agent: AgentClaims, data: Mapping[str, Any]) -> dict[str, Any]:
        return await self._post(agent, data, "agent")

    async def note(self, agent: AgentClaims, data: Mapping[str, Any]) -> dict[str, Any]:
        return await self._post(agent, data, "note")

    async def _post(self, agent: AgentClaims, data: Mapping[str, Any], sender: str) -> dict[str, Any]:
        handoff = await self._visible_handoff(agent, data)
        message_id = _id(data.get("message_id"), "message_id")
        text = clean_words(data.get("text"))
        if not text:
            raise Refused(f"A message is text of 1 to {MAX_TEXT_CHARS:,} characters.")
        posted: Message = await self.broker.run(
            self.store.post,
            handoff.id,
            message_id,
            sender,
            text,
            now=self.broker.clock(),
            author_id=agent.id,
            author_name=agent.name,
        )
        await self.broker.message_posted(handoff, posted)
        return {"seq": posted.seq}

    async def typing(self, agent: AgentClaims, data: Mapping[str, Any]) -> dict[str, Any]:
        handoff = await self._visible_handoff(agent, data)
        if handoff.state != "assigned" or handoff.agent_id != agent.id:
            raise Refused("You can type only in a chat you hold.")
        await self.broker.run(self.store.touch, handoff.id, "agent", now=self.broker.clock())
        await self.broker.typing(handoff, agent.name)
        return {}

    async def release(self, agent: AgentClaims, data: Mapping[str, Any]) -> dict[str, Any]:
        handoff = await self._visible_handoff(agent, data)
        back = await self.broker.run(self.store.release, handoff.id, agent.id, now=self.broker.clock())
        await self.broker.changed(back)
        await self.broker.notice(back, "You're back in the queue: another person will be with you soon.", "requeued")
        return {"handoff": public(back)}

    async def transfer(self, agent: AgentClaims, data: Mapping[str, Any]) -> dict[str, Any]:
        handoff = await self._visible_handoff(agent, data)
        to_agent, to_group = data.get("to_agent"), data.get("to_group")
        to_agent = None if to_agent is None else _id(to_agent, "to_agent")
        to_group = None if to_group is None else _id(to_group, "to_group")
        if to_group is not None and to_group not in self.broker.settings.groups:
            raise Refused(f"{to_group} is not a group that takes live chats.")
        if to_agent is None and to_group is None:
            raise Refused("Transfer to an agent or a group.")
        moved = await self.broker.run(
            self.store.transfer, handoff.id, agent.id, now=self.broker.clock(), to_agent=to_agent, to_group=to_group
        )
        await self.broker.changed(moved)
        if moved.agent_id and moved.agent_id != agent.id:
            await self.broker.started(moved)
        return {"handoff": public(moved)}

    async def close(self, agent: AgentClaims, data: Mapping[str, Any]) -> dict[str, Any]:
        handoff = await self._visible_handoff(agent, data)
        note = data.get("note")
        if note is not None:
            note = clean_words(note, MAX_NOTE_CHARS)
            if note is None:
                raise Refused(f"A closing note is text of at most {MAX_NOTE_CHARS:,} characters.")
        if handoff.is_open and handoff.agent_id != agent.id:
            raise Refused("Only the agent who holds a chat closes it.")
        closed = await self.broker.run(
            self.store.close,
            handoff.id,
            agent.id,
            now=self.broker.clock(),
            reason="closed by the agent",
            note=note or None,
        )
        await self.broker.ended(closed)
        return {"handoff": public(closed)}

    async def ack(self, agent: AgentClaims, data: Mapping[str, Any]) -> dict[str, Any]:
        handoff = await self._visible_handoff(agent, data)
        seq = data.get("seq")
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
            raise Refused("seq is a message's number.")
        await self.broker.run(self.store.mark_delivered, handoff.id, seq, "console")
        return {}

    async def history(self, agent: AgentClaims, data: Mapping[str, Any]) -> dict[str, Any]:
        handoff = await self._visible_handoff(agent, data)
        messages = await self.broker.run(self.store.messages, handoff.id)
        return {
            "handoff": public(handoff),
            "messages": [message_event(m) for m in messages],
            "context": await self._context(handoff),
        }

    async def _context(self, handoff: Handoff) -> dict[str, Any]:
        """The conversation with the bot before the handoff (redacted), the articles it offered and
        whether they helped, and who is asking."""
        # The grammar of an offered article and its feedback has one owner; imported here because it
        # brings the ticket's light value types, which the channels' import test keeps out at start-up.
        from bot.conversation import offered_articles

        lines: list[dict[str, Any]] = []
        articles: list[dict[str, Any]] = []
        agent = self.broker.agent
        if agent is not None:
            tracker = await agent.processor.get_tracker(handoff.conversation)
            events = [e.as_dict() for e in tracker.events if (e.timestamp or 0) <= handoff.created_at]
            for e in events:
                if e.get("event") in ("user", "bot") and e.get("text"):
                    who = "user" if e["event"] == "user" else "bot"
                    lines.append({"who": who, "text": redact_typed_secrets(str(e["text"])), "at": e.get("timestamp")})
            articles = [{"article_id": a, "helped": helped} for a, helped in offered_articles(events)]
        person = handoff.requester
        context: dict[str, Any] = {
            "conversation": lines[-CONTEXT_TURNS:],
            "articles": articles,
            "requester": {"id": person.id, "name": person.name, "email": person.email, "council": person.tenant},
        }
        if handoff.open_tickets is not None:  # left out when the desk could not say: not "no tickets"
            context["tickets"] = [{"ref": t.ref, "title": t.title, "status": t.status} for t in handoff.open_tickets]
        return context


def public(handoff: Handoff) -> dict[str, Any]:
    """What a console is told of a handoff."""
    return {
        "handoff_id": handoff.id,
        "state": handoff.state,
        "group": handoff.group,
        "council": handoff.tenant,
        "channel": handoff.channel,
        "requester_name": handoff.requester.name,
        "summary": handoff.summary,
        "created_at": handoff.created_at,
        "agent_id": handoff.agent_id,
        "agent_name": handoff.agent_name,
        "assigned_at": handoff.assigned_at,
        "closed_at": handoff.closed_at,
        "closed_by": handoff.closed_by,
        "close_reason": handoff.close_reason,
        "ticket_ref": handoff.ticket_ref,
        "csat": handoff.csat,
        "last_seq": handoff.last_seq,
        "acked_by_console": handoff.acked_by_console,
    }


def queue_entry(waiting: Waiting) -> dict[str, Any]:
    h = waiting.handoff
    return {
        "handoff_id": h.id,
        "group": h.group,
        "council": h.tenant,
        "requester_name": h.requester.name,
        "summary": h.summary,
        "position": waiting.position,
        "waited_seconds": round(waiting.waited, 1),
    }


def message_event(m: Message) -> dict[str, Any]:
    return {
        "handoff_id": m.handoff_id,
        "seq": m.seq,
        "sender": m.sender,
        "author_name": m.author_name,
        "text": m.text,
        "at": m.at,
    }


def _id(value: object, name: str) -> str:
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise Refused(f"{name} must be an id of 1 to 128 letters, digits and ._:@+-")
    return value


def _sentence(exc: Exception) -> str:
    text = str(exc)
    return (text[:1].upper() + text[1:]).rstrip(".") + "."
