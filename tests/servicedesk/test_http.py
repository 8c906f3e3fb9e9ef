from __future__ import annotations

import datetime as dt

import pytest

from bot.servicedesk import ConfigError
from bot.servicedesk.http import Settings, parse_time, retry_after


def test_retry_after_in_seconds_or_as_a_date() -> None:
    now = dt.datetime(2026, 11, 22, 10, 0, tzinfo=dt.timezone.utc)
    assert retry_after("120") == 120.0
    assert retry_after("Sun, 22 Nov 2026 10:00:30 GMT", now=now) == 30.0
    assert retry_after("soon") is None and retry_after(None) is None


def test_settings_name_what_is_missing_or_malformed() -> None:
    s = Settings({"ASKIT_X_URL": "ftp://x", "ASKIT_X_GROUPS": "[1]", "ASKIT_DESK_TIMEOUT": "ten"}, "ASKIT_X")
    with pytest.raises(ConfigError, match="ASKIT_X_TOKEN is not set"):
        s.get("TOKEN")
    with pytest.raises(ConfigError, match="ASKIT_X_URL must be an http"):
        s.url("URL")
    with pytest.raises(ConfigError, match="ASKIT_X_GROUPS must be a JSON object"):
        s.mapping("GROUPS")
    with pytest.raises(ConfigError, match="ASKIT_DESK_TIMEOUT must be a number"):
        s.timeout()


def test_desk_timestamps() -> None:
    assert parse_time("2026-11-22 09:30:00") == dt.datetime(2026, 11, 22, 9, 30, tzinfo=dt.timezone.utc)
    assert parse_time("2026-11-22T09:30:00Z").hour == 9
    assert parse_time({"epochMillis": 1795339800000}).year == 2026
