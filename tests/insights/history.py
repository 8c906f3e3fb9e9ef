"""Conversations as Rasa's event broker records them, for the insights tests: each helper appends
the events a real turn publishes (the user's message with its channel and sealed identity, the
bot's reply with its ``custom`` part, the actions between)."""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot import replies
from bot.identity import IDENTITY_KEY
from bot.insights.events import BrokerEvent

DAY = 86_400.0
START = 1_790_000_000.0  # 2026-09-21, a Monday


@dataclass
class Log:
    """Every event of every conversation, in the order they were published."""

    events: list[dict[str, Any]] = field(default_factory=list)

    def broker_events(self) -> list[BrokerEvent]:
        return [BrokerEvent(i, str(e["sender_id"]), e) for i, e in enumerate(self.events, 1)]

    def write(self, path: Path) -> Path:
        """The events in a table as Rasa's SQL event broker makes it."""
        with sqlite3.connect(path) as db:
            db.execute("CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255), data TEXT)")
            db.executemany(
                "INSERT INTO events (sender_id, data) VALUES (?, ?)",
                [(e["sender_id"], json.dumps(e)) for e in self.events],
            )
        return path


@dataclass
class Chat:
    log: Log
    sender: str
    at: float = START
    channel: str = "webchat"
    email: str | None = "pat.jones@riverside.example"
    name: str | None = "Pat Jones"
    verified: bool = True  # False: a channel that vouches for nobody (the REST channel)
    person: str | None = None  # the verified identity's id; by default one person per conversation

    def _add(self, event: dict[str, Any]) -> None:
        self.at += 5
        self.log.events.append({**event, "sender_id": self.sender, "timestamp": self.at})

    def later(self, days: float) -> Chat:
        self.at += days * DAY
        return self

    def says(self, text: str) -> Chat:
        identity = {"id": self.person or f"id-{self.sender}"}
        if self.email:
            identity["email"] = self.email
        if self.name:
            identity["name"] = self.name
        metadata = (
            {IDENTITY_KEY: {"channel": self.channel, "identity": identity, "mac": "sealed"}} if self.verified else {}
        )
        self._add({"event": "user", "text": text, "input_channel": self.channel, "metadata": metadata,
                   "parse_data": parsed(text)})  # fmt: skip
        return self

    def bot(self, reply: replies.Reply | dict[str, Any]) -> Chat:
        self._add({"event": "action", "name": "action_answer_question"})
        self._add({"event": "bot", "text": reply.get("text", ""), "data": {"custom": reply.get("custom")}})
        self._add({"event": "action", "name": "action_listen"})
        return self

    def answered(self, text: str, article_id: str) -> Chat:
        return self.says(text).bot(replies.answer(article_id, article_id, "Steps."))

    def helped(self) -> Chat:
        return self.says("/helped").bot({"text": "Great, glad that sorted it.", "custom": {"feedback": "helped"}})

    def not_helped(self, article_id: str) -> Chat:
        return self.says("/not_helped").bot(replies.ticket_offer("not_helped", article_id))

    def live_chat(self, handoff_id: str, rating: int | None = None) -> Chat:
        """Asks for a person, is queued, and (``rating``) rates the chat when the agent closes it."""
        self.says("can I talk to someone").bot(replies.handoff_queued(handoff_id, 1, None))
        if rating is not None:
            self.bot(replies.handoff_ended(handoff_id))
            self.says(replies.rate_chat_payload(handoff_id, rating)).bot(replies.chat_rated(handoff_id, rating))
        return self

    def ticket(self, ref: str, group: str = "end-user-computing", incident_id: str | None = None) -> Chat:
        routed = replies.Routed("P3", group, incident_id=incident_id)
        return self.says("yes").bot(replies.ticket_created(ref, None, routed))

    def incident_card(self, incident_id: str, text: str = "the vpn is down") -> Chat:
        """Asks, and gets the known incident's card (actions/incidents.py)."""
        return self.says(text).bot(replies.known_incident(news(incident_id, "investigating")))

    def affected(self, incident_id: str, count: int = 1) -> Chat:
        return self.says(replies.incident_payload("affected", incident_id)).bot(
            replies.incident_counted(incident_id, count)
        )

    def subscribes(self, incident_id: str) -> Chat:
        return self.says(replies.incident_payload("subscribe", incident_id)).bot(
            replies.incident_subscribed(incident_id)
        )

    def different(self, incident_id: str, article_id: str) -> Chat:
        """ "My problem is different": the question typed before the card is answered as asked."""
        return self.says(replies.incident_payload("different", incident_id)).bot(
            replies.answer(article_id, article_id, "Steps.")
        )

    def told(self, incident_id: str, status: str = "identified") -> Chat:
        """A subscriber told of a change, pushed by the notifier (an external intent's turn)."""
        external = {"intent": {"name": "EXTERNAL_incident_update"}, "entities": []}
        self._add({"event": "user", "text": "EXTERNAL: EXTERNAL_incident_update", "input_channel": self.channel,
                   "metadata": {"is_external": True}, "parse_data": external})  # fmt: skip
        return self.bot(replies.incident_update(news(incident_id, status), ["The supplier has found the fault."]))


def news(incident_id: str, status: str) -> replies.IncidentNews:
    return replies.IncidentNews(incident_id, "VPN unavailable", "The VPN will not connect.", status, "09:40")


def parsed(text: str) -> dict[str, Any]:
    """What Rasa's NLU makes of ``text``: a button's ``/intent{json}`` payload is its intent and
    entities, as Rasa's RegexMessageHandler parses it; anything typed is a question here."""
    payload = re.fullmatch(r"/(\w+)(\{.*\})?", text)
    if payload is None:
        return {"intent": {"name": "ask_question"}, "entities": [], "text": text}
    values = json.loads(payload.group(2) or "{}")
    entities = [
        {"entity": k, "value": v, "start": len(payload.group(1)) + 1, "end": len(text)} for k, v in values.items()
    ]
    return {"intent": {"name": payload.group(1)}, "entities": entities, "text": text}
