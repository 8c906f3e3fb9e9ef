"""The short-lived token the back office gives a signed-in agent for the broker's socket.io
namespace ``/agents`` in the Rasa server: an HS256 JWT signed with ``ASKIT_AGENT_TOKEN_SECRET``
(shared by the two processes), saying who the agent is and which groups and councils they serve.

The back office mints it (``mint``); the broker checks it on every connection (``verify``). PyJWT
only, so both environments import it. A refused token raises ``AgentTokenRejected`` with a short
reason safe to show the client.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jwt

SECRET_SETTING = "ASKIT_AGENT_TOKEN_SECRET"
ALGORITHM = "HS256"
ISSUER = "askit-backoffice"
AUDIENCE = "askit-agents"
TOKEN_SECONDS = 300  # the console fetches a new one a minute before this runs out
MAX_TOKEN_SECONDS = 600  # no token is good for longer, whoever minted it
CLOCK_SKEW_SECONDS = 30
MIN_SECRET_CHARS = 32
MAX_TOKEN_CHARS = 8192
_MAX_TEXT = 256
_MAX_ITEMS = 64
_CLAIMS = ("sub", "name", "groups", "councils", "aud", "iss", "iat", "exp")


class AgentTokenRejected(ValueError):
    """The token is missing, malformed, forged, expired or for something else; ``reason`` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Agent:
    """Who the token vouches for: ``councils`` are tenant ids, or ["all"] (bot/handoff/models.py)."""

    id: str
    name: str
    groups: tuple[str, ...]
    councils: tuple[str, ...]


@dataclass(frozen=True)
class Claims:
    agent: Agent
    issued_at: float
    expires_at: float


def mint(agent: Agent, secret: str, now: float, lifetime: float = TOKEN_SECONDS) -> str:
    """A token for ``agent``, good from ``now`` for ``lifetime`` seconds (at most MAX_TOKEN_SECONDS)."""
    if not 0 < lifetime <= MAX_TOKEN_SECONDS:
        raise ValueError(f"an agent token lasts more than 0 and at most {MAX_TOKEN_SECONDS} seconds")
    _check_secret(secret)
    claims = {
        "sub": agent.id,
        "name": agent.name,
        "groups": list(agent.groups),
        "councils": list(agent.councils),
        "aud": AUDIENCE,
        "iss": ISSUER,
        "iat": int(now),
        "exp": int(now + lifetime),
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def verify(token: object, secret: str, now: float) -> Claims:
    """The claims of a valid token; ``AgentTokenRejected`` otherwise."""
    if not isinstance(token, str) or not token:
        raise AgentTokenRejected("no token")
    if len(token) > MAX_TOKEN_CHARS or not token.isascii():
        raise AgentTokenRejected("not a token")
    _check_secret(secret)
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],  # ours, never the token's header's
            audience=AUDIENCE,
            issuer=ISSUER,
            # Times are checked below, as numbers, against the caller's clock.
            options={"require": list(_CLAIMS), "verify_exp": False, "verify_iat": False, "verify_nbf": False},
        )
    except (jwt.MissingRequiredClaimError, jwt.InvalidIssuerError, jwt.InvalidAudienceError) as exc:
        raise AgentTokenRejected(str(exc)) from None
    except jwt.PyJWTError as exc:  # malformed, wrong algorithm, bad signature
        raise AgentTokenRejected(type(exc).__name__) from None
    issued, expires = _time(claims, "iat"), _time(claims, "exp")
    if expires <= now - CLOCK_SKEW_SECONDS:
        raise AgentTokenRejected("expired")
    if issued > now + CLOCK_SKEW_SECONDS:
        raise AgentTokenRejected("issued in the future")
    if expires - issued > MAX_TOKEN_SECONDS:
        raise AgentTokenRejected("lasts too long")
    agent = Agent(
        _text(claims, "sub"), _text(claims, "name"), _texts(claims, "groups"), _texts(claims, "councils", empty=False)
    )
    return Claims(agent, issued, expires)


def _check_secret(secret: str) -> None:
    if len(secret) < MIN_SECRET_CHARS:
        raise ValueError(f"{SECRET_SETTING} must be at least {MIN_SECRET_CHARS} characters")


def _time(claims: Mapping[str, Any], name: str) -> float:
    value = claims[name]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise AgentTokenRejected(f"{name} must be a number")
    return float(value)


def _text(claims: Mapping[str, Any], name: str) -> str:
    value = claims[name]
    if not isinstance(value, str) or not value or len(value) > _MAX_TEXT or not value.isprintable():
        raise AgentTokenRejected(f"{name} must be printable text")
    return value


def _texts(claims: Mapping[str, Any], name: str, *, empty: bool = True) -> tuple[str, ...]:
    value = claims[name]
    if not isinstance(value, Sequence) or isinstance(value, str) or len(value) > _MAX_ITEMS:
        raise AgentTokenRejected(f"{name} must be a list")
    if not value and not empty:
        raise AgentTokenRejected(f"{name} must not be empty")
    return tuple(_text({name: v}, name) for v in value)
