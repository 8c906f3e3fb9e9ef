from __future__ import annotations

import datetime as dt

import pytest

from bot.config import TOKEN, URL, Setting
from bot.servicedesk import ConfigError
from bot.servicedesk.http import DESK_TIMEOUT, JSON_OBJECT, Settings, parse_time, retry_after


def test_retry_after_in_seconds_or_as_a_date() -> None:
    now = dt.datetime(2026, 11, 22, 10, 0, tzinfo=dt.timezone.utc)
    assert retry_after("120") == 120.0
    assert retry_after("Sun, 22 Nov 2026 10:00:30 GMT", now=now) == 30.0
    assert retry_after("soon") is None and retry_after(None) is None


def test_settings_name_what_is_missing_or_malformed() -> None:
    declared = (
        Setting("ASKIT_X_TOKEN", TOKEN, "a token", required=True, secret=True),
        Setting("ASKIT_X_URL", URL, "the desk", required=True),
        Setting("ASKIT_X_GROUPS", JSON_OBJECT, "groups"),
        DESK_TIMEOUT,
    )
    good = {"ASKIT_X_TOKEN": "t0ken", "ASKIT_X_URL": "https://desk.example/", "ASKIT_X_GROUPS": '{"a": 1}'}
    s = Settings(good, declared, "ASKIT_X")
    assert (s["URL"], s["GROUPS"], s.timeout(), s["TOKEN"].reveal()) == (
        "https://desk.example",
        {"a": "1"},
        15.0,
        "t0ken",
    )
    wrong = [
        ({"ASKIT_X_TOKEN": ""}, "ASKIT_X_TOKEN: is not set (a token)"),
        ({"ASKIT_X_URL": "ftp://x"}, "ASKIT_X_URL: must be an http(s) URL, got 'ftp://x'"),
        ({"ASKIT_X_GROUPS": "[1]"}, "ASKIT_X_GROUPS: must be a JSON object of names to names, got '[1]'"),
        ({"ASKIT_DESK_TIMEOUT": "ten"}, "ASKIT_DESK_TIMEOUT: must be a number of seconds, got 'ten'"),
    ]
    for change, message in wrong:
        with pytest.raises(ConfigError) as raised:
            Settings({**good, **change}, declared, "ASKIT_X")
        assert str(raised.value) == message


def test_desk_timestamps() -> None:
    assert parse_time("2026-11-22 09:30:00") == dt.datetime(2026, 11, 22, 9, 30, tzinfo=dt.timezone.utc)
    assert parse_time("2026-11-22T09:30:00Z").hour == 9
    assert parse_time({"epochMillis": 1795339800000}).year == 2026
