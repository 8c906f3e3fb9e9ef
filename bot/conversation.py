"""Read what the actions need from a Rasa tracker's events (plain dicts): who is asking, what
was said, which articles were offered and whether they helped.

Pure functions over the event list, so they are tested without Rasa.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from bot.replies import clip
from bot.servicedesk.models import MAX_SUMMARY_CHARS
from bot.servicedesk.transcript import Turn

Event = Mapping[str, Any]

QUESTION_INTENTS = frozenset({"ask_question", "nlu_fallback"})
# The reply right after an answer, which ends "Did this help?" ("still broken" is vague: not helped)
FEEDBACK_INTENTS = {"helped": True, "affirm": True, "not_helped": False, "deny": False, "vague": False}
CORRELATION_NAMESPACE = uuid.UUID("8d6c1f0e-3b0a-4f4e-9a57-0c1d5e6f7a88")
MIN_SUMMARY_LETTERS = 3
REF = r"(?:ASKIT-[0-9A-F]{8}|[A-Z]{2,6}[-#]?\d{2,10})"  # an AskIT receipt or a desk's reference
TICKET_REF = re.compile(rf"\b({REF})\b|\bticket\s+(?:number\s+|no\.?\s*)?#?(\d{{2,10}})\b", re.IGNORECASE)


REFUSES_TICKET = re.compile(
    r"\b(?:no|not|don'?t|do not|without|rather not)\b[^.?!]{0,25}\b(?:tickets?|call logged|log a call)\b", re.IGNORECASE
)


CHASE = re.compile(r"\b(?:chase|chasing|hurry|speed (?:it|this|things) up|push (?:it|this) along)\b", re.IGNORECASE)


def is_chase(text: str | None) -> bool:
    """ "Can you chase it?": the user wants the desk nudged, not only the status."""
    return bool(CHASE.search(text or ""))


def refuses_ticket(text: str | None) -> bool:
    """ "no I don't want a ticket, is there a phone number?" """
    return bool(REFUSES_TICKET.search(text or ""))


def this_session(events: Sequence[Event]) -> Sequence[Event]:
    """The events since the conversation's latest session started (Rasa starts one after an idle hour)."""
    starts = [i for i, e in enumerate(events) if e.get("event") == "session_started"]
    return events[starts[-1] :] if starts else events


def _bot_customs(events: Sequence[Event]) -> list[Mapping[str, Any]]:
    return [_custom(e) for e in this_session(events) if e.get("event") == "bot"]


def tried_articles(events: Sequence[Event]) -> bool:
    """Whether this session offered the user an article, or a choice of articles, to try."""
    return any(c.get("decision") in ("answer", "clarify") for c in _bot_customs(events))


def shown_incident(events: Sequence[Event]) -> str | None:
    """The known incident whose card the bot showed last in this session (its id), if any."""
    flows = (c for c in reversed(_bot_customs(events)) if c.get("flow") == "known_incident")
    return next((str(c["incident_id"]) for c in flows if c.get("incident_id")), None)


def last_decision(events: Sequence[Event]) -> str | None:
    """The ``decision`` of the bot's latest reply that had one, in this session."""
    return next((c["decision"] for c in reversed(_bot_customs(events)) if c.get("decision")), None)


# The replies a refinement ("on my laptop") follows: an answer, a choice of articles, or no article found
THREAD_DECISIONS = frozenset({"answer", "clarify", "escalate"})


def _latest_bot_custom(events: Sequence[Event]) -> Mapping[str, Any]:
    """The ``custom`` part of the bot's latest message in this session ({} if it had none)."""
    customs = _bot_customs(events)
    return customs[-1] if customs else {}


def in_thread(events: Sequence[Event]) -> bool:
    """Whether the bot's latest message in this session was about a question the user asked, so
    that a short message next may refine it (bot/followup.py)."""
    return _latest_bot_custom(events).get("decision") in THREAD_DECISIONS


def facet_asked(events: Sequence[Event]) -> tuple[str, list[str]] | None:
    """(facet, candidate article ids) when the bot's latest message in this session asked which
    device, app or place ("Which device is it on?"), so that a typed "my laptop" can answer it."""
    custom = _latest_bot_custom(events)
    facet, candidates = custom.get("facet"), custom.get("candidates")
    if isinstance(facet, str) and isinstance(candidates, list):
        return facet, [str(c) for c in candidates]
    return None


def declined_ticket(events: Sequence[Event]) -> bool:
    """Whether the user said no to a ticket (or left the ticket form) in this session."""
    return any(c.get("flow") == "ticket_declined" for c in _bot_customs(events))


def _said(event: Event) -> bool:
    """A message the user sent (not an external event Rasa was asked to run in the conversation)."""
    return event.get("event") == "user" and not (intent_of(event) or "").startswith("EXTERNAL_")


def intent_of(event: Event) -> str | None:
    intent = (event.get("parse_data") or {}).get("intent") or {}
    name = intent.get("name")
    return name if isinstance(name, str) else None


def _custom(event: Event) -> Mapping[str, Any]:
    custom = (event.get("data") or {}).get("custom")
    return custom if isinstance(custom, Mapping) else {}


def _at(event: Event) -> dt.datetime | None:
    stamp = event.get("timestamp")
    return dt.datetime.fromtimestamp(stamp, dt.timezone.utc) if isinstance(stamp, (int, float)) else None


def turns(events: Iterable[Event]) -> list[Turn]:
    """The conversation as the person reading a ticket wants it; button clicks shown as such."""
    result = []
    for event in events:
        text = event.get("text") or ""
        if _said(event):
            if text.startswith("/"):
                text = f"[clicked: {intent_of(event) or text}]"
            result.append(Turn("user", text, _at(event)))
        elif event.get("event") == "bot" and text:
            result.append(Turn("bot", text, _at(event)))
    return result


def offered_articles(events: Sequence[Event]) -> list[tuple[str, bool | None]]:
    """(article id, helped) for every article answered, in order; helped from the next user turn."""
    offered: list[tuple[str, bool | None]] = []
    for i, event in enumerate(events):
        article_id = _custom(event).get("article_id") if event.get("event") == "bot" else None
        if not article_id or _custom(event).get("decision") != "answer":
            continue
        reply = next((e for e in events[i + 1 :] if _said(e)), None)
        intent = intent_of(reply) if reply else None
        offered.append((article_id, FEEDBACK_INTENTS.get(intent or "")))
    return offered


def clean_summary(text: str | None) -> str | None:
    """One line of at most MAX_SUMMARY_CHARS, cut at a word; None if it says nothing."""
    line = " ".join((text or "").split())
    if len(re.findall(r"\w", line)) < MIN_SUMMARY_LETTERS or line.startswith("/"):
        return None
    return clip(line, MAX_SUMMARY_CHARS)


def _questions(events: Sequence[Event]) -> Iterator[Event]:
    """The user's questions, latest first: what NLU read as one, and any message the bot then
    answered as one (its reply carries a knowledge-base ``decision``), whatever NLU named it: "only
    one of my two screens shows anything" read as adding to a ticket is still the problem asked."""
    answered = False  # whether the bot's replies after the event being looked at made a decision
    for event in reversed(events):
        if event.get("event") == "bot":
            answered = answered or "decision" in _custom(event)
        elif _said(event):
            if intent_of(event) in QUESTION_INTENTS or answered:
                yield event
            answered = False


def last_question(events: Sequence[Event]) -> str | None:
    """The user's latest question as they typed it (not a button)."""
    for event in _questions(events):
        text = event.get("text") or ""
        if text and not text.startswith("/"):
            return str(text)
    return None


def draft_summary(events: Sequence[Event], thread: str | None = None) -> str | None:
    """The user's latest question, which is usually the problem the ticket is about; the whole
    ``thread`` when that question refined an earlier one ("email not working; on my phone")."""
    for event in _questions(events):
        text = str(event.get("text") or "")
        summary = clean_summary(thread if thread and text.strip() and thread.endswith(text.strip()) else text)
        if summary:
            return summary
    return None


def problem_text(events: Iterable[Event], summary: str | None = None) -> str:
    """What the user said about the problem (their questions, and the ticket summary), for triage."""
    said = [e.get("text") or "" for e in events if e.get("event") == "user" and intent_of(e) in QUESTION_INTENTS]
    return "\n".join(t for t in [*said, summary or ""] if t and not t.startswith("/"))


COMMENT_LEAD = re.compile(
    r"^.*?\b(?:add|append|put|note|tell them|update)\b[^:]*?\b(?:to|on)?\s*(?:(?:my|the|that)\s+)?"
    rf"(?:(?:ticket|call|request|incident)(?:\s+{REF})?|{REF})\s*(?:with)?\s*(?:[:,-]|that)?\s*",
    re.IGNORECASE,
)


def mentions_ticket(text: str | None) -> bool:
    return bool(re.search(r"\b(?:ticket|call|request|incident)\b", text or "", re.IGNORECASE) or ticket_ref_in(text))


def comment_in(text: str | None) -> str | None:
    """What to add from "Add to my ticket: it's now on my second laptop too"; None if nothing follows."""
    rest = COMMENT_LEAD.sub("", (text or "").strip(), count=1).strip()
    if rest == (text or "").strip() or len(re.findall(r"\w", rest)) < MIN_SUMMARY_LETTERS:
        return None
    return rest


def correlation_id(sender_id: str, events: Sequence[Event]) -> str:
    """Stable for one request: the same conversation turn always yields the same id."""
    last_user = next((e for e in reversed(events) if _said(e)), {})
    return str(uuid.uuid5(CORRELATION_NAMESPACE, f"{sender_id}:{last_user.get('timestamp')}"))


def ticket_ref_in(text: str | None) -> str | None:
    match = TICKET_REF.search(text or "")
    return (match.group(1) or match.group(2)).upper() if match else None
