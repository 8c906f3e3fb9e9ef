"""When a service desk takes live chats: a week of opening times in the desk's own time zone, less
its closed dates (bank holidays). Pure functions of a time passed in, correct across the clocks
changing: opening times are wall-clock times, and instants are compared in UTC."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

LOOKAHEAD_DAYS = 14  # next_opening looks this far ahead, then gives up
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # the order of Hours.week (date.weekday())


@dataclass(frozen=True)
class Opening:
    """One stretch of a day the desk is open: from ``start`` (included) to ``end`` (excluded)."""

    start: dt.time
    end: dt.time


@dataclass(frozen=True)
class Hours:
    """``week``: each day's openings, Monday first (none: closed all day)."""

    zone: ZoneInfo
    week: tuple[tuple[Opening, ...], ...]
    closed_dates: frozenset[dt.date] = frozenset()


def is_open(hours: Hours, at: dt.datetime) -> bool:
    """Whether the desk is open at ``at`` (timezone-aware)."""
    local = _local(hours, at)
    return any(o.start <= local.time() < o.end for o in openings(hours, local.date()))


def next_opening(hours: Hours, at: dt.datetime) -> dt.datetime | None:
    """The first moment at or after ``at`` that the desk is open (``at`` itself when open now), in
    the desk's time zone; None when it does not open within LOOKAHEAD_DAYS. (A time in autumn's
    repeated hour equals no time of another zone, by Python's rule: compare such times in UTC.)"""
    if is_open(hours, at):
        return at.astimezone(hours.zone)
    instant, today = _utc(at), _local(hours, at).date()
    limit = instant + dt.timedelta(days=LOOKAHEAD_DAYS)
    for offset in range(LOOKAHEAD_DAYS + 1):
        day = today + dt.timedelta(days=offset)
        for opening in openings(hours, day):
            start = wall_time(day, opening.start, hours.zone)
            if instant < _utc(start) <= limit:
                return start
    return None


def openings(hours: Hours, day: dt.date) -> tuple[Opening, ...]:
    """The desk's openings on ``day`` (none on a closed date)."""
    return () if day in hours.closed_dates else hours.week[day.weekday()]


def wall_time(day: dt.date, time: dt.time, zone: ZoneInfo) -> dt.datetime:
    """The first instant the clocks in ``zone`` read ``time`` (or later) on ``day``: of a time read
    twice (autumn), the first; of a time the clocks skip (spring), the moment they jump past it."""
    naive = dt.datetime.combine(day, time)
    first = naive.replace(tzinfo=zone)
    if _utc(first).astimezone(zone).replace(tzinfo=None) == naive:
        return first
    # Skipped: read with the offset after the jump it is before the jump, with the one before it is
    # after. The jump is on a whole second: halve the seconds between until the first read later.
    before, after = int(_utc(naive.replace(tzinfo=zone, fold=1)).timestamp()), int(_utc(first).timestamp())
    while after - before > 1:
        middle = (before + after) // 2
        if dt.datetime.fromtimestamp(middle, zone).replace(tzinfo=None) >= naive:
            after = middle
        else:
            before = middle
    return dt.datetime.fromtimestamp(after, zone)


def _utc(at: dt.datetime) -> dt.datetime:
    # Aware datetimes sharing a tzinfo compare by wall time, ignoring the clocks changing: compare in UTC.
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"a time zone is needed to tell whether the desk is open, got {at.isoformat()}")
    return at.astimezone(dt.timezone.utc)


def _local(hours: Hours, at: dt.datetime) -> dt.datetime:
    return _utc(at).astimezone(hours.zone)
