from __future__ import annotations

import pytest

from bot.servicedesk.redact import redact_secrets


@pytest.mark.parametrize(
    "said,secret",
    [
        ("my password is Winter2026! and it still fails", "Winter2026!"),
        ("I changed my password to 'Tr0ub4dor&3' yesterday", "Tr0ub4dor&3"),
        ("password: hunter22", "hunter22"),
        ("Password=Sunshine#1", "Sunshine#1"),
        ("the wifi passphrase was CouncilGuest99", "CouncilGuest99"),
        ("my PIN is 4821", "4821"),
        ("curl -H 'Authorization: Bearer abc123def456ghi789'", "abc123def456ghi789"),
        ("token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlMTIz pasted", "eyJhbGciOiJIUzI1NiJ9"),
        ("key AKIAIOSFODNN7EXAMPLE leaked", "AKIAIOSFODNN7EXAMPLE"),
        ("the recovery code Xk7pQ2mN9rT4vB8wZ3yL6sD1 did not work", "Xk7pQ2mN9rT4vB8wZ3yL6sD1"),
    ],
)
def test_secrets_are_redacted(said: str, secret: str) -> None:
    clean = redact_secrets(said)
    assert secret not in clean and "[redacted]" in clean


@pytest.mark.parametrize(
    "said",
    [
        "I forgot my password",
        "my password expired this morning",
        "password reset isn't working",
        "the password prompt keeps coming back",
        "what's happening with my ticket INC0010002?",
        "laptop asks for a BitLocker recovery key",
        "VPN drops every hour since the update to 5.3.2",
    ],
)
def test_ordinary_sentences_are_left_alone(said: str) -> None:
    assert redact_secrets(said) == said
