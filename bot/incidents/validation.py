"""What may be stored as an incident: every field of ``IncidentFields`` checked in one place, for
the command line, the console and the feeds alike. A mistake raises InvalidIncident naming the
field, what it must be and what it got."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Collection
from dataclasses import replace

from bot.identity import ALL_COUNCILS
from bot.incidents.errors import InvalidIncident
from bot.incidents.models import STATUSES, IncidentFields, Status

MAX_TITLE = 120  # a card's heading on a 320 px screen
MAX_SUMMARY = 600  # "one or two sentences"
MAX_TEXT = 4000  # a workaround may be a few steps
MIN_QUESTION, MAX_QUESTION = 3, 300  # one way of saying it: long enough to match on, short enough to be one


def checked(fields: IncidentFields, councils: Collection[str]) -> IncidentFields:
    """``fields`` with text trimmed and empty optional text as None, or InvalidIncident.
    ``councils``: the tenant ids of tenants.yml."""
    return replace(
        fields,
        title=one_line("title", fields.title, MAX_TITLE),
        summary=text("summary", fields.summary, MAX_SUMMARY),
        questions=_questions(fields.questions),
        councils=_councils(fields.councils, councils),
        services=tuple(one_line(f"services[{i}]", s, MAX_TITLE) for i, s in enumerate(fields.services)),
        status=status(fields.status),
        workaround=optional(fields.workaround, lambda v: text("workaround", v, MAX_TEXT)),
        desk_ref=optional(fields.desk_ref, lambda v: one_line("desk_ref", v, MAX_TITLE)),
        next_update_at=_time("next_update_at", fields.next_update_at),
        started_at=_time("started_at", fields.started_at),
    )


def status(value: object) -> Status:
    for known in STATUSES:
        if value == known:
            return known
    raise InvalidIncident("status", f"must be one of {', '.join(STATUSES)}", value)


def next_update(value: float | None, now: float) -> float | None:
    """When a person says the next update is due: later than now (a feed's may be past)."""
    if _time("next_update_at", value) is not None and value is not None and value <= now:
        raise InvalidIncident("next_update_at", "must be later than now")
    return value


def text(field: str, value: object, most: int) -> str:
    """Text that is not empty, at most ``most`` characters once trimmed, and no control character
    but line ends and tabs (whoever sent it: a person, a feed; PostgreSQL cannot even store a NUL)."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidIncident(field, "must not be empty")
    if len(value.strip()) > most:
        raise InvalidIncident(field, f"must be at most {most} characters (it has {len(value.strip())})")
    if any(unicodedata.category(c) == "Cc" and c not in "\n\r\t" for c in value):
        raise InvalidIncident(field, "must not contain control characters")
    return value.strip()


def one_line(field: str, value: object, most: int) -> str:
    found = text(field, value, most)
    if not found.isprintable():
        raise InvalidIncident(field, "must be one line of text", found)
    return found


def optional(value: str | None, check: Callable[[str], str]) -> str | None:
    return None if value is None or not value.strip() else check(value)


def _questions(values: tuple[str, ...]) -> tuple[str, ...]:
    if not values:
        raise InvalidIncident("questions", "needs at least one: how staff would describe it (it is matched on them)")
    found: list[str] = []
    for i, value in enumerate(values):
        question = one_line(f"questions[{i}]", value, MAX_QUESTION)
        if len(question) < MIN_QUESTION:
            raise InvalidIncident(f"questions[{i}]", f"must be at least {MIN_QUESTION} characters", question)
        if question not in found:
            found.append(question)
    return tuple(found)


def _councils(values: tuple[str, ...], known: Collection[str]) -> tuple[str, ...]:
    if not values:
        raise InvalidIncident("councils", f"needs {ALL_COUNCILS} or at least one council of {_known(known)}")
    if ALL_COUNCILS in values:
        if len(values) > 1:
            raise InvalidIncident("councils", f"is either {ALL_COUNCILS} or a list of councils, not both", list(values))
        return (ALL_COUNCILS,)
    for i, council in enumerate(values):
        if council not in known:
            raise InvalidIncident(f"councils[{i}]", f"is not a council of {_known(known)}", council)
    return tuple(dict.fromkeys(values))


def _known(councils: Collection[str]) -> str:
    return f"tenants.yml ({', '.join(sorted(councils))})"


def _time(field: str, value: float | None) -> float | None:
    if value is not None and (
        isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value)
    ):
        raise InvalidIncident(field, "must be a time (seconds since the epoch)", value)
    return value
