from __future__ import annotations

import logging

import pytest

from bot.secret import RedactSecrets, Secret, redact


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
