"""What a person types about an incident (the command line's options, the console's form), read
into the values of bot/incidents/models.py: times on the desk's clock, lists, and text with its line
ends made one kind. A mistake raises InvalidIncident naming the field; the rest is checked where
everything stored is (bot/incidents/validation.py)."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable
from typing import TypedDict
from zoneinfo import ZoneInfo

from bot.incidents.errors import InvalidIncident
from bot.incidents.models import IncidentFields, Status
from bot.incidents.validation import status

DESK_ZONE = ZoneInfo("Europe/London")  # what the desk's clocks say, as handoff.yml's default
# What --next-update and the form's <input type="datetime-local"> take: the desk's clock to the minute.
TIME_FORMAT = "%Y-%m-%dT%H:%M"
TIME_HINT = "YYYY-MM-DDTHH:MM"
LINE_ENDS = {"\r\n": "\n", "\r": "\n"}  # a browser sends a textarea's lines with \r\n
KEPT_CONTROLS = {"\n", "\t"}


def desk_time(text: str | None, field: str) -> float | None:
    """``text`` (TIME_FORMAT on the desk's clock, or with an offset) as seconds since the epoch;
    nothing given (None or blank): None."""
    if text is None or not text.strip():
        return None
    try:
        when = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidIncident(field, f"must be a date and time, {TIME_HINT}", text) from None
    return (when if when.tzinfo else when.replace(tzinfo=DESK_ZONE)).timestamp()


def desk_input(at: float | None) -> str:
    """``at`` as desk_time reads it back (a form's input shows it so): "" for None."""
    return "" if at is None else dt.datetime.fromtimestamp(at, DESK_ZONE).strftime(TIME_FORMAT)


def typed(field: str, value: str | None) -> str | None:
    """Text as a person typed it, its line ends as \\n; InvalidIncident for any other control
    character (PostgreSQL cannot even store a NUL, and no one types one)."""
    if value is None:
        return None
    for end, kept in LINE_ENDS.items():
        value = value.replace(end, kept)
    for char in value:
        if unicodedata.category(char) == "Cc" and char not in KEPT_CONTROLS:
            raise InvalidIncident(field, f"must not contain control characters (it has U+{ord(char):04X})")
    return value


def lines(text: str) -> tuple[str, ...]:
    """One value a line (a form's questions), blank lines left out."""
    return tuple(line.strip() for line in text.splitlines() if line.strip())


def items(text: str) -> tuple[str, ...]:
    """Comma-separated values (a form's services), empty ones left out."""
    return tuple(item.strip() for item in text.split(",") if item.strip())


def declaration(
    *,
    title: str,
    summary: str,
    questions: Iterable[str],
    councils: Iterable[str],
    services: Iterable[str] = (),
    status_text: str = "investigating",
    workaround: str | None = None,
    next_update: str | None = None,
    desk_ref: str | None = None,
    time_field: str = "next_update_at",
) -> IncidentFields:
    """What a person declares, as the store takes it; ``time_field`` names ``next_update`` in a mistake."""
    return IncidentFields(
        title=typed("title", title) or "",
        summary=typed("summary", summary) or "",
        questions=tuple(typed(f"questions[{i}]", q) or "" for i, q in enumerate(questions)),
        councils=tuple(councils),
        services=tuple(typed(f"services[{i}]", s) or "" for i, s in enumerate(services)),
        status=status(status_text),
        workaround=typed("workaround", workaround),
        next_update_at=desk_time(next_update, time_field),
        desk_ref=typed("desk_ref", desk_ref),
    )


class Changes(TypedDict):
    """An update as IncidentStore.update takes it: None leaves a field as it is."""

    status: Status | None
    summary: str | None
    workaround: str | None  # "" takes the workaround away
    next_update_at: float | None
    text: str | None


def changes(
    *,
    status_text: str | None,
    summary: str | None,
    workaround: str | None,
    next_update: str | None,
    text: str | None,
    time_field: str = "next_update_at",
) -> Changes:
    """What a person says in an update, as the store takes it (None: unchanged)."""
    return Changes(
        status=None if status_text is None else status(status_text),
        summary=typed("summary", summary),
        workaround=typed("workaround", workaround),
        next_update_at=desk_time(next_update, time_field),
        text=typed("text", text),
    )
