"""Live chat in Teams (bot/handoff/broker.py), the channel's two sides:

- the member of staff's: ``TeamsLink`` puts the agent's lines into the 1:1 chat they are already
  in, through the connector, by the conversation reference kept with the handoff (so a restart of
  the Rasa server still reaches them; their relayed messages keep the order they arrived in
  (bot/handoff/order.py);
- the agents': ``AgentsChannel`` posts a card for each request into the configured agents' channel
  (requester, council, when asked, summary, Accept in the console) and updates it in place when
  the request is taken, released or ends.

A throttled connector is waited for as its Retry-After says (bot/channels/connector.py); what it
still refuses stays undelivered and the broker's sweep sends it again.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from bot.channels.connector import ConnectorClient
from bot.channels.errors import ConnectorError
from bot.channels.teams_cards import CARD_SCHEMA, CARD_VERSION
from bot.channels.teams_payloads import ADAPTIVE_CARD, ConversationRef, message_activity, typing
from bot.handoff.broker import HandoffBroker
from bot.handoff.models import Handoff, Message
from bot.replies import Reply

logger = logging.getLogger(__name__)

Deliver = Callable[[ConversationRef, Mapping[str, Any]], Awaitable[None]]  # TeamsOutput.deliver
STATUS = {
    "queued": "Waiting for an agent",
    "cancelled": "Cancelled: they stopped waiting",
    "timed_out": "Nobody took it in time: they were offered a ticket",
    "failed": "Ended: the chat could not go on",
}


# -- the member of staff's side ----------------------------------------------------------------


def reference(ref: ConversationRef) -> dict[str, Any]:
    """What the handoff keeps to reach the user later (bot/handoff/store.py: set_reference)."""
    return {**asdict(ref), "bot": dict(ref.bot)}


def conversation_of(kept: Mapping[str, Any]) -> ConversationRef | None:
    """The reference kept with a handoff, or None when the channel has not given one yet."""
    try:
        bot = kept["bot"]
        parts = [kept[k] for k in ("service_url", "conversation_id", "user_id", "base_url")]
    except KeyError:
        return None
    if not isinstance(bot, Mapping) or not all(isinstance(p, str) for p in parts):
        return None
    service_url, conversation_id, user_id, base_url = parts
    return ConversationRef(service_url, conversation_id, dict(bot), user_id, base_url)


class TeamsLink:
    """The broker's way to a Teams user (bot/handoff/broker.py: UserLink)."""

    def __init__(self, client: ConnectorClient, deliver: Deliver) -> None:
        self.client, self._deliver = client, deliver

    async def reaches(self, handoff: Handoff) -> bool:
        return conversation_of(handoff.reference) is not None

    async def send(self, handoff: Handoff, reply: Reply) -> None:
        ref = conversation_of(handoff.reference)
        if ref is None:
            raise ConnectorError(f"handoff {handoff.id} has no Teams conversation to send to")
        await self._deliver(ref, reply)

    async def typing(self, handoff: Handoff, name: str) -> None:
        ref = conversation_of(handoff.reference)
        if ref is None:
            return
        try:
            await self.client.send(ref.service_url, ref.conversation_id, message_activity(ref, typing()))
        except ConnectorError as exc:
            logger.info("typing indicator not sent: %s", exc)


# -- the agents' channel -----------------------------------------------------------------------


class AgentsChannel:
    """A broker listener: each request's card in the agents' Teams channel, posted when it is
    queued and drawn again in place on every change. The card's activity id is kept with the
    handoff, so a restarted server updates the card it posted before."""

    def __init__(
        self,
        broker: HandoffBroker,
        client: ConnectorClient,
        service_url: str,
        channel_id: str,
        bot_id: str,
        console_url: str | None,
    ) -> None:
        self.broker, self.client = broker, client
        self.service_url, self.channel_id, self.bot_id, self.console_url = service_url, channel_id, bot_id, console_url
        self._locks: dict[str, asyncio.Lock] = {}  # one card update at a time per request
        self._tasks: set[asyncio.Task[None]] = set()
        broker.listeners.append(self)

    async def changed(self, handoff: Handoff) -> None:
        # In the background: a throttled connector must not hold up the chat itself.
        task = asyncio.create_task(self._show(handoff.id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def message(self, handoff: Handoff, message: Message) -> None:
        return None  # the card shows the request, not the conversation

    async def heartbeat(self) -> None:
        return None

    async def user_typing(self, handoff: Handoff) -> None:
        return None

    async def drain(self) -> None:
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _show(self, handoff_id: str) -> None:
        async with self._locks.setdefault(handoff_id, asyncio.Lock()):
            handoff = await self.broker.run(self.broker.store.get, handoff_id)  # the latest state, not the caller's
            if handoff.channel_card is None and handoff.state != "queued":
                return  # ended before its card was posted: nothing to show
            card = request_card(handoff, self.console_url, self.broker.settings.hours_for(handoff.tenant).zone)
            activity = {
                "type": "message",
                "from": {"id": self.bot_id},
                "conversation": {"id": self.channel_id},
                "attachments": [{"contentType": ADAPTIVE_CARD, "content": card}],
            }
            try:
                if handoff.channel_card is None:
                    sent = await self.client.send(self.service_url, self.channel_id, activity)
                    if isinstance(sent.get("id"), str):
                        await self.broker.run(self.broker.store.set_channel_card, handoff_id, sent["id"])
                else:
                    await self.client.update(self.service_url, self.channel_id, handoff.channel_card, activity)
            except ConnectorError as exc:  # the console still has it; the card catches up on the next change
                logger.warning("handoff %s: the agents' channel card was not posted or updated: %s", handoff_id, exc)
            if not handoff.is_open:
                self._locks.pop(handoff_id, None)


def request_card(handoff: Handoff, console_url: str | None, zone: ZoneInfo) -> dict[str, Any]:
    """The agents' channel card for ``handoff`` as it stands: who, which council, when asked, the
    summary, its state, and while it waits, Accept (the agent console, at that chat)."""
    person = handoff.requester
    who = person.name or person.email or "A member of staff"
    facts = [
        {"title": "Council", "value": handoff.tenant or "not known"},
        {"title": "Asked at", "value": _local(handoff.created_at, zone)},
        {"title": "Group", "value": handoff.group},
        {"title": "Status", "value": _status(handoff, zone)},
    ]
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": f"Live chat request: {who}", "weight": "Bolder", "wrap": True},
        {"type": "TextBlock", "text": handoff.summary, "wrap": True},
        {"type": "FactSet", "facts": facts},
    ]
    card: dict[str, Any] = {"type": "AdaptiveCard", "$schema": CARD_SCHEMA, "version": CARD_VERSION, "body": body}
    if handoff.state == "queued" and console_url:
        link = f"{console_url}/agents?chat={quote(handoff.id, safe='')}"
        card["actions"] = [{"type": "Action.OpenUrl", "title": "Accept in the agent console", "url": link}]
    elif handoff.state == "queued":
        body.append({"type": "TextBlock", "text": "Accept it in the agent console.", "wrap": True, "isSubtle": True})
    return card


def _status(handoff: Handoff, zone: ZoneInfo) -> str:
    if handoff.state == "assigned":
        return f"Taken by {handoff.agent_name or 'an agent'} at {_local(handoff.assigned_at, zone)}"
    if handoff.state == "queued" and handoff.first_assigned_at is not None:
        return "Back in the queue: waiting for an agent"
    if handoff.state == "closed":
        return f"Closed at {_local(handoff.closed_at, zone)}"
    return STATUS[handoff.state]


def _local(at: float | None, zone: ZoneInfo) -> str:
    return "" if at is None else dt.datetime.fromtimestamp(at, zone).strftime("%H:%M")
