"""The agent console's token: what the back office mints the broker accepts, and nothing else."""

from __future__ import annotations

import jwt
import pytest

from bot.handoff.agent_token import (
    ALGORITHM,
    AUDIENCE,
    ISSUER,
    MAX_LIFETIME_SECONDS,
    AgentClaims,
    AgentTokenRejected,
    mint,
    verify,
)

SECRET = "k" * 64
NOW = 1_790_000_000.0


def token(**claims: object) -> str:
    base: dict[str, object] = {
        "sub": "alex",
        "name": "Alex Morgan",
        "groups": ["service-desk"],
        "councils": ["all"],
        "aud": AUDIENCE,
        "iss": ISSUER,
        "iat": int(NOW),
        "exp": int(NOW + 300),
    }
    base.update(claims)
    return jwt.encode({k: v for k, v in base.items() if v is not None}, SECRET, algorithm=ALGORITHM)


def test_a_minted_token_gives_the_agent_and_what_they_take() -> None:
    minted = mint(SECRET, "alex", name="Alex Morgan", groups=["service-desk"], councils=["riverside"], now=NOW)
    assert verify(minted, SECRET, now=NOW + 1) == AgentClaims(
        "alex", "Alex Morgan", ("service-desk",), ("riverside",), NOW + MAX_LIFETIME_SECONDS
    )


@pytest.mark.parametrize(
    "bad,reason",
    [
        (jwt.encode({"sub": "alex"}, "another-key-" * 4, algorithm=ALGORITHM), "invalid token"),  # forged
        (token(exp=int(NOW - 120)), "expired"),
        (token(aud="askit-widget"), "not for the agent console"),
        (token(iss="someone-else"), "not for the agent console"),
        (token(exp=int(NOW + MAX_LIFETIME_SECONDS + 3600)), "longer than"),
        (token(iat=int(NOW - 3600), exp=int(NOW + 60)), "longer than"),
        (token(iat=int(NOW + 3600)), "future"),
        (token(exp="9999999999"), "numbers"),
        (token(sub="alex\nadmin"), "sub"),
        (token(groups="service-desk"), "groups"),
        (token(councils=[1]), "councils"),
        (token(name=None), "name"),
        (jwt.encode({"sub": "alex"}, SECRET, algorithm="HS512"), "invalid token"),
        ("", "no token"),
        (None, "no token"),
        ("é" * 10, "malformed"),
    ],
)
def test_refused(bad: object, reason: str) -> None:
    with pytest.raises(AgentTokenRejected, match=reason):
        verify(bad, SECRET, now=NOW)
