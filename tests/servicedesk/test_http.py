from __future__ import annotations

import datetime as dt
import logging

import pytest

from bot.servicedesk import ConfigError
from bot.servicedesk.http import RedactSecrets, Secret, Settings, parse_time, redact, retry_after


def test_a_secret_never_shows_itself() -> None:
    secret = Secret("s3cr3t-value-for-test")
    assert "s3cr3t" not in repr(secret) + str(secret) + f"{secret}" and secret.reveal() == "s3cr3t-value-for-test"
    assert redact("token s3cr3t-value-for-test failed") == "token [redacted] failed"


def test_the_log_filter_redacts_messages_args_and_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    Secret("another-s3cret-xyz")
    logger = logging.getLogger("test.redaction")
    caplog.handler.addFilter(RedactSecrets())
    try:
        raise RuntimeError("bad key another-s3cret-xyz")
    except RuntimeError:
        logger.exception("calling with %s", "another-s3cret-xyz")
    assert "another-s3cret-xyz" not in caplog.text and "[redacted]" in caplog.text


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
