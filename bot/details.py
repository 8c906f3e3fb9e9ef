"""What the service desk may need on a ticket beyond the summary: one vocabulary for the articles
(an ``escalation`` block's ``details``), the ticket form's questions and the ticket's text."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Detail:
    label: str  # how the ticket names it
    question: str  # how the bot asks for it


DETAILS: Mapping[str, Detail] = {
    "asset_tag": Detail("Asset number", "What's the device's asset number? It's on a sticker on the device."),
    "location": Detail("Location", "Which building, floor and room are you in?"),
    "contact_number": Detail(
        "Contact number", "What number can the service desk call you on, in case your laptop is offline?"
    ),
    "error_text": Detail("Error message", "What does the error message say, word for word?"),
}
DONT_KNOW = "Don't know"  # the button that skips a detail (intent skip_detail)
NOT_KNOWN = "not known"  # what a skipped detail is kept as, and how the ticket shows it
MAX_DETAIL_CHARS = 300

# Details a member of staff may already have given in the conversation, so the form does not ask
SAID = {
    "asset_tag": re.compile(r"\basset\s*(?:number|tag|no\.?|#)?\s*(?:is\s*)?[:#]?\s*[A-Z]{0,4}-?\d{3,8}\b", re.I),
    "contact_number": re.compile(r"(?:\+44\s?|\b0)\d(?:[\s-]?\d){8,10}\b"),
}


def already_said(texts: Iterable[str]) -> set[str]:
    """The details (names in DETAILS) that ``texts``, what the user typed, already give."""
    joined = "\n".join(texts)
    return {name for name, pattern in SAID.items() if pattern.search(joined)}


def still_needed(wanted: Iterable[str], texts: Iterable[str]) -> list[str]:
    """Of the details an article ``wanted``, in its order, those the conversation does not give."""
    said = already_said(texts)
    return [name for name in wanted if name in DETAILS and name not in said]


def detail_value(answer: str | None) -> str | None:
    """What a detail slot keeps of an answer: the text, one line and capped; None for nothing."""
    line = " ".join((answer or "").split())[:MAX_DETAIL_CHARS]
    return line or None
