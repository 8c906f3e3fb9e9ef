"""The agents' token (bot/handoff/agent_token.py): what the back office mints the broker accepts;
forged, expired, too long-lived, wrong-audience and malformed tokens are refused with a reason."""

from __future__ import annotations

import jwt
import pytest

from bot.handoff.agent_token import (
    MAX_TOKEN_SECONDS,
    Agent,
    AgentTokenRejected,
    mint,
    verify,
)

SECRET = "k" * 40
NOW = 1_800_000_000.0
AGENT = Agent("a1", "Alex Agent", ("service-desk", "identity-access"), ("riverside",))
GOOD = {
    "sub": "a1",
    "name": "Alex",
    "groups": ["service-desk"],
    "councils": ["all"],
    "aud": "askit-agents",
    "iss": "askit-backoffice",
    "iat": int(NOW),
    "exp": int(NOW) + 300,
}


def test_a_minted_token_verifies_to_the_same_agent() -> None:
    claims = verify(mint(AGENT, SECRET, NOW), SECRET, NOW + 10)
    assert claims.agent == AGENT and claims.expires_at - claims.issued_at == 300


def test_no_token_lasts_more_than_ten_minutes() -> None:
    with pytest.raises(ValueError):
        mint(AGENT, SECRET, NOW, lifetime=MAX_TOKEN_SECONDS + 1)
    with pytest.raises(ValueError):
        mint(AGENT, "short", NOW)


@pytest.mark.parametrize(
    "token, reason",
    [
        (None, "no token"),
        ("", "no token"),
        ("é.é.é", "not a token"),
        ("x" * 9000, "not a token"),
        ("not.a.jwt", "DecodeError"),
        (jwt.encode(GOOD, "another secret that is long enough!!", algorithm="HS256"), "InvalidSignatureError"),
        (jwt.encode({**GOOD, "aud": "askit-widget"}, SECRET, algorithm="HS256"), "Audience doesn't match"),
        (jwt.encode({**GOOD, "iss": "someone"}, SECRET, algorithm="HS256"), "Invalid issuer"),
        (jwt.encode({**GOOD, "exp": int(NOW) - 120}, SECRET, algorithm="HS256"), "expired"),
        (jwt.encode({**GOOD, "iat": int(NOW) + 120, "exp": int(NOW) + 300}, SECRET, algorithm="HS256"), "future"),
        (jwt.encode({**GOOD, "exp": int(NOW) + 3600}, SECRET, algorithm="HS256"), "lasts too long"),
        (jwt.encode({**GOOD, "exp": "9999999999"}, SECRET, algorithm="HS256"), "exp must be a number"),
        (jwt.encode({**GOOD, "councils": []}, SECRET, algorithm="HS256"), "councils must not be empty"),
        (jwt.encode({**GOOD, "councils": "all"}, SECRET, algorithm="HS256"), "councils must be a list"),
        (jwt.encode({**GOOD, "name": "Eve\u202eeve"}, SECRET, algorithm="HS256"), "name must be printable"),
        (jwt.encode({k: v for k, v in GOOD.items() if k != "groups"}, SECRET, algorithm="HS256"), "groups"),
        (jwt.encode(GOOD, SECRET, algorithm="HS512"), "InvalidAlgorithmError"),
    ],
)
def test_bad_tokens_are_refused_with_a_reason(token: object, reason: str) -> None:
    with pytest.raises(AgentTokenRejected) as refused:
        verify(token, SECRET, NOW)
    assert reason in refused.value.reason


def test_an_unsigned_token_is_refused() -> None:
    unsigned = jwt.encode(GOOD, None, algorithm="none")  # type: ignore[arg-type]
    with pytest.raises(AgentTokenRejected):
        verify(unsigned, SECRET, NOW)
