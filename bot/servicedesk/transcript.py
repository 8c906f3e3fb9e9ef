"""Write a ticket's description so the person picking it up never has to re-ask."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

MAX_TURN_CHARS = 2000
MAX_DESCRIPTION_CHARS = 30_000
SPEAKERS = {"user": "User", "bot": "AskIT"}


@dataclass(frozen=True)
class Turn:
    speaker: str  # "user" or "bot"
    text: str
    at: dt.datetime | None = None


@dataclass(frozen=True)
class OfferedArticle:
    article_id: str
    title: str
    helped: bool | None  # None: the user did not say


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render_transcript(turns: Sequence[Turn]) -> str:
    lines = []
    for turn in turns:
        stamp = f"[{turn.at.astimezone(dt.timezone.utc):%Y-%m-%d %H:%M:%S}Z] " if turn.at else ""
        lines.append(f"{stamp}{SPEAKERS.get(turn.speaker, turn.speaker)}: {_clip(turn.text, MAX_TURN_CHARS)}")
    return "\n".join(lines)


def ticket_description(summary: str, turns: Sequence[Turn], offered: Sequence[OfferedArticle]) -> str:
    feedback = {True: "the user said it helped", False: "the user said it did not help", None: "no feedback"}
    parts = [summary, "", "Raised by the AskIT assistant on the user's behalf."]
    if offered:
        parts += ["", "Articles the assistant offered:"]
        parts += [f"- {a.title} ({a.article_id}): {feedback[a.helped]}" for a in offered]
    parts += ["", "Conversation transcript:", render_transcript(turns)]
    return _clip("\n".join(parts), MAX_DESCRIPTION_CHARS)
