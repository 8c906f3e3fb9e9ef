"""Write a ticket's description so the person picking it up never has to re-ask."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from bot.redaction import REDACTED, redact_typed_secrets, typed_secrets

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


def _without_secrets(turns: Sequence[Turn]) -> list[Turn]:
    """The turns with what the user typed redacted. The bot's lines are kept as sent (redacting them
    would garble the articles they quote, "your password has not expired"), except where they repeat a
    secret the user typed (the summary offered for confirmation quotes the user's question)."""
    secrets = {s for t in turns if t.speaker == "user" for s in typed_secrets(t.text)}
    # whole only: a PIN the user typed is not taken out of the middle of a ticket number
    echoed = re.compile("|".join(rf"(?<![^\W_]){re.escape(s)}(?![^\W_])" for s in sorted(secrets, key=len)[::-1]))

    def redacted(turn: Turn) -> Turn:
        if turn.speaker == "user":
            return replace(turn, text=redact_typed_secrets(turn.text))
        return replace(turn, text=echoed.sub(REDACTED, turn.text)) if secrets else turn

    return [redacted(turn) for turn in turns]


def ticket_description(
    summary: str,
    turns: Sequence[Turn],
    offered: Sequence[OfferedArticle],
    details: Sequence[tuple[str, str]] = (),
    linked: str | None = None,
) -> str:
    """The description: the summary, the known incident it is part of (``linked``, first, where an
    agent looks), the details the desk asked for ((label, answer)), the articles offered, and the
    transcript; the user's secrets redacted."""
    summary = redact_typed_secrets(summary)
    feedback = {True: "the user said it helped", False: "the user said it did not help", None: "no feedback"}
    parts = [summary, "", "Raised by the AskIT assistant on the user's behalf."]
    if linked:
        parts += ["", linked]
    if details:
        parts += ["", "Details the service desk asks for:"]
        parts += [f"- {label}: {redact_typed_secrets(answer)}" for label, answer in details]
    if offered:
        parts += ["", "Articles the assistant offered:"]
        parts += [f"- {a.title} ({a.article_id}): {feedback[a.helped]}" for a in offered]
    parts += ["", "Conversation transcript:", render_transcript(_without_secrets(turns))]
    return _clip("\n".join(parts), MAX_DESCRIPTION_CHARS)
