"""When the desk takes live chats (bot/handoff/hours.py), with the shipped hours of
knowledge_base/handoff.yml: weekdays 08:30-17:00 UK time, not on bank holidays; and across the
clocks changing, where an opening time is a wall-clock time and an hour may be skipped or repeated."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.handoff.hours import Hours, Opening, is_open, next_opening, wall_time
from bot.handoff.settings import HandoffSettings

LONDON = ZoneInfo("Europe/London")
UTC = dt.timezone.utc


def london(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=LONDON)


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def hours() -> Hours:
    return HandoffSettings.load().hours_for("northbrook")


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        ("2026-09-21 08:29:59", False),  # a Monday, before opening
        ("2026-09-21 08:30", True),
        ("2026-09-21 16:59:59", True),
        ("2026-09-21 17:00", False),  # closing time is closed
        ("2026-09-19 11:00", False),  # a Saturday
        ("2026-05-04 11:00", False),  # the Early May bank holiday Monday
        ("2026-05-05 11:00", True),
        ("2026-12-28 11:00", False),  # Boxing Day's substitute Monday
    ],
)
def test_open_on_weekdays_in_office_hours_but_not_bank_holidays(hours: Hours, at: str, expected: bool) -> None:
    assert is_open(hours, london(at)) is expected


@pytest.mark.parametrize(
    ("at", "opens"),
    [
        ("2026-09-21 10:00", "2026-09-21 10:00"),  # open now: now
        ("2026-09-21 07:00", "2026-09-21 08:30"),  # early: this morning
        ("2026-09-25 17:30", "2026-09-28 08:30"),  # a Friday evening: Monday morning
        ("2026-05-01 17:30", "2026-05-05 08:30"),  # before the bank holiday weekend: Tuesday
        ("2026-04-02 17:00", "2026-04-07 08:30"),  # Easter: past Good Friday, the weekend and Monday
        ("2026-12-24 17:00", "2026-12-29 08:30"),  # Christmas Day, the weekend and Boxing Day's Monday
        ("2027-12-24 17:00", "2027-12-29 08:30"),  # 2027: two substitute days, Monday and Tuesday
    ],
)
def test_the_next_opening_skips_closed_days_and_bank_holidays(hours: Hours, at: str, opens: str) -> None:
    assert next_opening(hours, london(at)) == london(opens)


def test_a_time_in_another_zone_is_read_in_the_desk_s_zone(hours: Hours) -> None:
    assert is_open(hours, dt.datetime(2026, 9, 21, 12, 0, tzinfo=ZoneInfo("America/New_York"))) is False  # 17:00 UK
    assert next_opening(hours, utc("2026-09-21 06:00")) == utc("2026-09-21 07:30")  # 08:30 BST


def test_over_the_clocks_going_forward_the_desk_opens_at_8_30_local(hours: Hours) -> None:
    # Sunday 29 March 2026, 01:00 UTC: the clocks go forward. Friday 08:30 is 08:30 UTC, Monday's 07:30 UTC.
    assert next_opening(hours, london("2026-03-26 17:30")) == utc("2026-03-27 08:30")
    opens = next_opening(hours, london("2026-03-27 17:00"))
    assert opens == utc("2026-03-30 07:30") and opens is not None and opens.utcoffset() == dt.timedelta(hours=1)
    assert is_open(hours, utc("2026-03-30 07:29")) is False and is_open(hours, utc("2026-03-30 07:30")) is True


def test_over_the_clocks_going_back_the_desk_opens_at_8_30_local(hours: Hours) -> None:
    # Sunday 25 October 2026, 01:00 UTC: the clocks go back; Monday 08:30 is 08:30 UTC again.
    assert next_opening(hours, london("2026-10-23 17:00")) == utc("2026-10-26 08:30")
    assert is_open(hours, utc("2026-10-23 15:59")) is True and is_open(hours, utc("2026-10-23 16:00")) is False


def test_on_the_day_the_clocks_change_a_skipped_or_repeated_time_opens_once_and_first() -> None:
    night = Hours(LONDON, ((Opening(dt.time(1, 30), dt.time(5, 0)),),) * 7)  # a desk open 01:30-05:00
    # Spring: the clocks jump from 01:00 GMT to 02:00 BST, so 01:30 never shows: it opens at the jump
    assert wall_time(dt.date(2026, 3, 29), dt.time(1, 30), LONDON) == utc("2026-03-29 01:00")
    assert next_opening(night, utc("2026-03-28 23:00")) == utc("2026-03-29 01:00")
    assert is_open(night, utc("2026-03-29 00:59:59")) is False and is_open(night, utc("2026-03-29 01:00")) is True
    # Autumn: 01:30 shows twice (BST, then GMT): it opens at the first. (A time in the repeated hour
    # never equals one in another zone, Python's rule: compare instants in UTC.)
    opens = next_opening(night, utc("2026-10-24 23:00"))
    assert opens is not None and opens.astimezone(UTC) == utc("2026-10-25 00:30")
    assert is_open(night, utc("2026-10-25 03:59")) is True and is_open(night, utc("2026-10-25 04:00")) is True
    assert is_open(night, utc("2026-10-25 05:00")) is False  # 05:00 GMT


def test_a_desk_that_does_not_open_within_two_weeks_has_no_next_opening() -> None:
    shut = Hours(LONDON, ((),) * 7)
    assert next_opening(shut, london("2026-09-21 10:00")) is None
    holiday = frozenset(dt.date(2026, 8, 1) + dt.timedelta(days=i) for i in range(15))
    summer = Hours(LONDON, ((Opening(dt.time(9), dt.time(17)),),) * 7, holiday)
    assert next_opening(summer, london("2026-07-31 18:00")) is None  # 15 days shut: beyond the lookahead
    assert next_opening(summer, london("2026-08-02 18:00")) == london("2026-08-16 09:00")


def test_a_lunch_break_is_closed() -> None:
    split = Hours(LONDON, ((Opening(dt.time(8, 30), dt.time(12, 30)), Opening(dt.time(13, 30), dt.time(17))),) * 7)
    assert is_open(split, london("2026-09-21 12:45")) is False
    assert next_opening(split, london("2026-09-21 12:45")) == london("2026-09-21 13:30")


def test_a_time_without_a_zone_is_refused(hours: Hours) -> None:
    with pytest.raises(ValueError, match="a time zone is needed"):
        is_open(hours, dt.datetime(2026, 9, 21, 10, 0))
