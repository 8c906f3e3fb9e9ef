"""Impact and urgency as a user's words state them, and the priority they make:

    priority = impact x urgency           urgency:  high   medium  low
                               impact high           P1     P2      P3
                                      medium         P2     P3      P4
                                      low            P3     P3      P4

From what the user said ("nobody in the office can print", "I can't work at all", "how do I ..."),
or from their answer when the bot had to ask "how bad is it?". Routing (who gets the ticket) is
bot/servicedesk/triage.py's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.priority import P1, P2, P3, P4

HIGH, MEDIUM, LOW = "high", "medium", "low"
MATRIX = {
    (HIGH, HIGH): P1,
    (HIGH, MEDIUM): P2,
    (MEDIUM, HIGH): P2,
    (HIGH, LOW): P3,
    (MEDIUM, MEDIUM): P3,
    (LOW, HIGH): P3,
    (LOW, MEDIUM): P3,
    (MEDIUM, LOW): P4,
    (LOW, LOW): P4,
}
URGENCY_OF_PRIORITY = {P1: HIGH, P2: HIGH, P3: MEDIUM, P4: LOW}


def _any(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


NOT = r"(?:can'?t|cannot|can not|unable to|won'?t|isn'?t|aren'?t|not)"
MANY_PEOPLE = _any(
    r"\b(?:every ?one|every ?body|nobody|no[- ]one|none of (?:us|the|them))\b(?! else| has got back| replied)",
    r"\b(?:whole|entire)\b",
    r"\bevery (?:pc|laptop|member|floor|single|user|team|office|device)",
    r"\ball (?:of us|staff|users|the (?:staff|users|duty|printers|pcs|laptops)|\w+ (?:staff|workers|users))\b",
    r"\b(?:anyone|anybody)(?:'?s)? (?:in|on|at|from|phone)",
    r"\b(?:\d{2,}|dozens|hundreds) (?:of us|people|staff|users|colleagues)",
    r"\bfor (?:all|anyone)\b",
    r"\b(?:is|are|has gone|went|'s) down\b",
    r"\boutage\b",
)
SOME_PEOPLE = _any(
    r"\b(?:colleague|colleagues) and (?:i|me)\b",
    r"\bme and (?:my |a |\d |two |three |four )?(?:colleagues?|others)",
    r"\b(?:2|3|4|two|three|four|a few|few|several|some) of us\b",
    r"\b(?:me )?plus (?:\d|two|three|four) others\b",
    r"\b(?:2|3|4|two|three|four) (?:others|colleagues|people|new starters|staff)\b",
    r"\bso did (?:two|three|\d) others\b",
    r"\bboth\b",
)
CANNOT_WORK = _any(
    r"\b(?:nobody|no[- ]one|none of us) can\b",
    rf"\b{NOT} (?:do|get) (?:any|a thing|anything)",
    rf"\b{NOT} work\b",
    r"\bat all\b",
    r"\b(?:completely|totally) stuck\b",
    r"\bstandstill\b",
    r"\bcut off\b",
)
TIME_CRITICAL = _any(
    r"\bin (?:an?|one|two|\d+) (?:hour|hr|min)",
    r"\bin \d+ ?mins?\b",
    r"\b(?:at|by|before) \d{1,2}(?::\d\d)? ?(?:am|pm)?\b",
    r"\b(?:has|have|needs?) to (?:go|be done|be printed|be sent|go out)\b.*\b(?:today|tonight)\b",
    r"\b(?:due|closes|deadline)\b.*\b(?:today|tonight|\d ?pm)\b",
    r"\b(?:safeguarding|child protection)\b",
    r"\b(?:customers|residents|public|members of the public) (?:are )?(?:waiting|queue)",
    r"\bqueue at the counter\b",
    r"\bpay ?day\b|\bpayroll run\b",
    r"\bcourt\b",
    r"\bduty (?:worker|social)",
    r"\bstarts? in\b",
    r"\btonight'?s? (?:meeting|committee)",
    r"\bchairing\b|\bpresenting\b",
    r"\bclicked\b|\bput my password in\b|\bentered my (?:password|details)\b",
    r"\b(?:lost|stolen|left) (?:my )?(?:work )?(?:phone|laptop|mobile|ipad|tablet)\b",
    r"\b(?:phone|laptop) (?:was |has been |got )?stolen\b",
)
WORKAROUND = _any(
    r"\bwork ?around\b",
    r"\bfor now\b",
    r"\bwe can still\b|\bcan still\b|\bstill (?:use|work)\b",
    r"\blimping\b|\bon and off\b|\bpartly\b",
    r"\busing [\w ]{1,30} instead\b",
)
NO_HURRY = _any(
    r"\bnot urgent\b", r"\bno rush\b", r"\bno hurry\b", r"\bwhen(?:ever)? you (?:get|have) a (?:chance|minute)"
)
REQUEST = _any(
    r"^\s*(?:how|what|whats|what's|when|where|who|which|is there|are there|are we|do i|do we|can i|can we|can you|"
    r"could|would|please|pls|i need|i'?d like|we need|new starter|is it possible)\b",
    r"\b(?:please|pls) (?:can|could|set|add|give)\b",
    r"\bcan (?:my colleague and )?i (?:get|have)\b",
    r"\b(?:request|set up|setup) (?:for|a|an|their)\b",
    r"\bhow (?:do|can|long)\b",
    r"\b(?:when|where) (?:is|are|do|can)\b",
    r"\bare we allowed\b",
    r"\bneed access\b",
)


@dataclass(frozen=True)
class Assessment:
    """Impact and urgency as the text states them; None where it does not say."""

    impact: str | None
    urgency: str | None
    request: bool = False  # a question or a request rather than a fault

    @property
    def unclear(self) -> bool:
        return self.impact is None and self.urgency is None and not self.request


def assess(text: str) -> Assessment:
    impact = HIGH if MANY_PEOPLE.search(text) else MEDIUM if SOME_PEOPLE.search(text) else None
    if NO_HURRY.search(text):
        urgency: str | None = LOW
    elif WORKAROUND.search(text):
        urgency = MEDIUM
    elif CANNOT_WORK.search(text) or TIME_CRITICAL.search(text):
        urgency = HIGH
    else:
        urgency = None
    request = bool(REQUEST.search(text)) and urgency in (None, LOW)
    return Assessment(impact, LOW if request else urgency, request)


# The answers to the bot's "how bad is it?" buttons (domain.yml, utter_ask_ticket_impact).
BUTTON_ANSWERS = {
    "just me, i can work around it": (LOW, MEDIUM),
    "just me, and i can't work": (LOW, HIGH),
    "a few people": (MEDIUM, MEDIUM),
    "many people or a whole service": (HIGH, HIGH),
}


def answer_levels(text: str | None) -> tuple[str, str] | None:
    """(impact, urgency) from the answer to "how bad is it?": a button, or words; None if it says neither."""
    said = (text or "").strip().lower()
    if said in BUTTON_ANSWERS:
        return BUTTON_ANSWERS[said]
    heard = assess(said)
    impact = heard.impact or (LOW if any(w in said for w in ("just me", "only me", "just myself")) else None)
    if impact is None and heard.urgency is None:
        return None
    return impact or LOW, heard.urgency or MEDIUM


def priority_for(impact: str, urgency: str) -> str:
    return MATRIX[(impact, urgency)]
