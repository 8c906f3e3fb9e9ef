"""From a conversation's events to what the insights count: each question a member of staff typed
and what it got, the feedback on an answer, and each ticket raised. Pure: ``follow`` takes one
conversation's state and its next event, and returns the new state and the changes to record.

What a reply was is read only from its ``custom`` part (bot/replies.py): ``decision`` for a
question's outcome, ``feedback: helped`` (the "glad that sorted it" reply), ``flow: ticket_offer``
with ``reason: not_helped`` for an answer that did not help, ``flow: ticket_created`` or
``ticket_recorded`` for a ticket, ``flow: handoff_queued`` for a live chat with a person and
``handoff_rated`` for its rating; for a known incident, ``known_incident`` (its card shown),
``incident_affected``, ``incident_subscribed``, ``incident_update`` (a subscriber told of a change)
and a ticket's ``incident_id``. A question is what the user typed; a button press (a ``/payload``)
continues the question before it (a choice from a clarify becomes that question's answer), except
"My problem is different" (intent ``incident_different``), after which the question typed before the
card is answered as asked.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace
from typing import Any

from bot.identity import IDENTITY_KEY, tenant_for
from bot.insights.events import BrokerEvent
from bot.redaction import REDACTED, redact_typed_secrets

DECISIONS = ("answer", "clarify", "escalate", "elsewhere", "narrow")
INCIDENT_FLOWS = {"known_incident": "shown", "incident_affected": "affected", "incident_subscribed": "subscribed"}
DIFFERENT = "different"  # the step of a card's "My problem is different" (intent: incident_different)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<!\w)\+?\d[\d ()-]{8,}\d(?!\w)")
MAX_QUESTION_CHARS = 500
EMAIL, PHONE, NAME = "[email]", "[phone]", "[name]"
MARKS = (REDACTED, EMAIL, PHONE, NAME)  # what ``redact`` puts where it took something out


@dataclass(frozen=True)
class Happened:
    """What every record of a conversation's moment starts with: which event, whose, when, where."""

    id: int  # the event id of the bot's reply that recorded it
    conversation: str
    user: str  # the verified identity's id, else "<channel>:<sender id>"
    at: float
    channel: str
    tenant: str | None


@dataclass(frozen=True)
class Question(Happened):
    text: str | None  # redacted; None when it was a button press
    decision: str
    article_id: str | None
    feedback: str | None = None  # "helped" | "not_helped", once given (Answered)
    chosen: bool = False  # answered with an article the person chose from a clarify list (Answered)


@dataclass(frozen=True)
class Ticket(Happened):
    ref: str  # the desk's reference, or the outbox's receipt until the desk answers
    receipt: str | None
    group: str | None
    priority: str | None
    article_id: str | None  # the article answered last in the conversation, if any
    question_id: int | None  # the question it followed
    incident_id: str | None = None  # the known incident it was linked to (asked for after its card)


@dataclass(frozen=True)
class IncidentStep(Happened):
    """A member of staff and a known incident: shown its card, or pressed one of its buttons."""

    incident_id: str
    kind: str  # "shown" | "affected" | "subscribed" | "different"


@dataclass(frozen=True)
class IncidentTold(Happened):
    """A subscriber told of a known incident's change (one message, however many changes it tells)."""

    incident_id: str
    status: str | None


@dataclass(frozen=True)
class LiveChat(Happened):
    """A live chat with a person that the user was queued for: like a ticket, it follows a question."""

    handoff_id: str
    article_id: str | None  # the article answered last in the conversation, if any
    question_id: int | None  # the question it followed


@dataclass(frozen=True)
class ChatRated:
    handoff_id: str
    score: int  # 1 (poor) to 5 (very good)


@dataclass(frozen=True)
class Answered:
    """A question changed by a later event: chosen from a clarify, or feedback given."""

    question_id: int
    decision: str | None = None  # set only by a choice from a clarify list
    article_id: str | None = None
    feedback: str | None = None  # "helped" | "not_helped"

    @property
    def chosen(self) -> bool:
        """The person chose the article from a clarify list: what they typed is a way of asking for it."""
        return self.decision is not None


@dataclass(frozen=True)
class Delivered:
    """A ticket recorded in the outbox reached the desk: its reference replaces the receipt."""

    receipt: str
    ref: str


Change = Question | Ticket | Answered | Delivered | LiveChat | ChatRated | IncidentStep | IncidentTold


@dataclass(frozen=True)
class State:
    """What is remembered about one conversation between events (stored as JSON)."""

    user: str | None = None
    channel: str = ""
    tenant: str | None = None
    names: tuple[str, ...] = ()  # the user's own name, taken out of what they type
    typed: str | None = None  # the user's latest typed message, not yet answered
    pressed: bool = False  # the user's latest message was a button
    question: int | None = None  # the latest question
    decided: str | None = None  # what the latest question got, as its decision says
    answered: int | None = None  # the latest question answered from an article, awaiting feedback
    article_id: str | None = None  # the article of the latest answer

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> State:
        return cls(**{**data, "names": tuple(data.get("names") or ())})


def follow(state: State, event: BrokerEvent) -> tuple[State, list[Change]]:
    """The conversation's state after ``event``, and what it changes in the figures."""
    if event.kind == "user":
        return _user_step(state, _user(state, event), event)
    if event.kind == "bot":
        custom = _object(_object(event.data.get("data")).get("custom"))
        if custom:
            return _bot(state, event, custom)
    return state, []


def _object(value: object) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty one: an event's parts may be anything."""
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _user(state: State, event: BrokerEvent) -> State:
    text = str(event.data.get("text") or "")
    channel = str(event.data.get("input_channel") or state.channel or "")
    identity = _object(_object(event.data.get("metadata")).get(IDENTITY_KEY)).get("identity")
    user, tenant, names = state.user, state.tenant, state.names
    if isinstance(identity, dict) and isinstance(identity.get("id"), str):
        # Only a verifying channel puts an identity here (the REST channel drops what a client sends).
        user, tenant = identity["id"], tenant_for(identity)
        name = identity.get("name")
        names = tuple(n for n in str(name or "").split() if len(n) > 1)
    if user is None:
        user = f"{channel or 'unknown'}:{event.sender_id}"
    if text.startswith("/"):
        return replace(state, user=user, channel=channel, tenant=tenant, names=names, typed=None, pressed=True)
    return replace(
        state, user=user, channel=channel, tenant=tenant, names=names, typed=redact(text, names), pressed=False
    )


def _user_step(before: State, after: State, event: BrokerEvent) -> tuple[State, list[Change]]:
    """A press of a card's "My problem is different" (the intent, with the incident as its entity,
    as Rasa parsed the button's payload): the answer that follows is the question typed before the
    card (actions/incidents.py), not a choice that continues the one before."""
    parsed = _object(event.data.get("parse_data"))
    if _object(parsed.get("intent")).get("name") != f"incident_{DIFFERENT}":
        return after, []
    entities = parsed.get("entities")
    found = (_object(e).get("value") for e in _list(entities) if _object(e).get("entity") == "incident_id")
    incident_id = next((v for v in found if isinstance(v, str) and v), None)
    if incident_id is None:
        return after, []
    user = _who(after, event)
    step = IncidentStep(event.id, event.sender_id, user, event.at, after.channel, after.tenant, incident_id, DIFFERENT)
    if before.typed is None:
        return after, [step]
    return replace(after, typed=before.typed, pressed=False), [step]


def _bot(state: State, event: BrokerEvent, custom: dict[str, Any]) -> tuple[State, list[Change]]:
    decision, flow = custom.get("decision"), custom.get("flow")
    article_id = custom.get("article_id") if isinstance(custom.get("article_id"), str) else None
    user = _who(state, event)
    if decision in DECISIONS:
        if state.pressed and state.question is not None:  # a choice continues the question before it
            changes: list[Change] = []
            if decision == "answer" and state.decided == "clarify":
                changes.append(Answered(state.question, decision="answer", article_id=article_id))
            answered = state.question if decision == "answer" else state.answered
            decided = "answer" if decision == "answer" else state.decided
            return replace(
                state, answered=answered, decided=decided, article_id=article_id or state.article_id, pressed=False
            ), changes
        question = Question(
            event.id, event.sender_id, user, event.at, state.channel, state.tenant, state.typed, str(decision),
            article_id,
        )  # fmt: skip
        answered = event.id if decision == "answer" else None
        return replace(
            state,
            typed=None,
            question=event.id,
            decided=str(decision),
            answered=answered,
            article_id=article_id or state.article_id,
        ), [question]
    if custom.get("feedback") == "helped" and state.answered is not None:
        return replace(state, answered=None), [Answered(state.answered, feedback="helped")]
    if flow == "ticket_offer" and custom.get("reason") == "not_helped" and state.answered is not None:
        return replace(state, answered=None), [Answered(state.answered, feedback="not_helped")]
    handoff_id = custom.get("handoff_id")
    if flow == "handoff_queued" and isinstance(handoff_id, str):
        chat = LiveChat(
            event.id, event.sender_id, user, event.at, state.channel, state.tenant, handoff_id, state.article_id,
            state.question,
        )  # fmt: skip
        return replace(state, answered=None), [chat]
    incident_id = _text(custom.get("incident_id"))
    if flow in INCIDENT_FLOWS and incident_id is not None:
        kind = INCIDENT_FLOWS[str(flow)]
        return state, [
            IncidentStep(event.id, event.sender_id, user, event.at, state.channel, state.tenant, incident_id, kind)
        ]
    if flow == "incident_update" and incident_id is not None:
        status = _text(custom.get("status"))
        told = IncidentTold(event.id, event.sender_id, user, event.at, state.channel, state.tenant, incident_id, status)
        return state, [told]
    score = custom.get("score")
    if flow == "handoff_rated" and isinstance(handoff_id, str) and isinstance(score, int) and 1 <= score <= 5:
        return state, [ChatRated(handoff_id, score)]
    if flow in ("ticket_created", "ticket_recorded"):
        ref, receipt = custom.get("ticket_ref"), custom.get("receipt")
        if flow == "ticket_created" and isinstance(receipt, str) and isinstance(ref, str):
            return state, [Delivered(receipt, ref)]  # news of a ticket recorded earlier
        shown = ref if isinstance(ref, str) else receipt
        if not isinstance(shown, str):
            return state, []
        ticket = Ticket(
            event.id,
            event.sender_id,
            user,
            event.at,
            state.channel,
            state.tenant,
            shown,
            receipt if isinstance(receipt, str) else None,
            _text(custom.get("group")),
            _text(custom.get("priority")),
            state.article_id,
            state.question,
            incident_id,
        )
        return replace(state, answered=None), [ticket]
    return state, []


def _who(state: State, event: BrokerEvent) -> str:
    """The user of the conversation: the verified identity's id, else "<channel>:<sender id>"."""
    return state.user or f"{state.channel or 'unknown'}:{event.sender_id}"


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def redact(text: str, names: tuple[str, ...] = ()) -> str:
    """A question as the insights may keep it: no typed secret, e-mail address, phone number or the
    user's own name, and at most MAX_QUESTION_CHARS."""
    clean = _PHONE.sub(PHONE, _EMAIL.sub(EMAIL, redact_typed_secrets(text)))
    for name in names:
        clean = re.sub(rf"\b{re.escape(name)}\b", NAME, clean, flags=re.IGNORECASE)
    return clean[:MAX_QUESTION_CHARS]
