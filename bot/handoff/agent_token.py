"""The agent console's token for the broker's ``/agents`` socket.io namespace: minted by the back
office for a signed-in agent, verified by the broker in the Rasa server. One owner for its claims.

HS256 with ``ASKIT_AGENT_TOKEN_SECRET``; ``aud`` askit-agents, ``iss`` askit-backoffice; ``sub`` the
agent's id, ``name``, ``groups`` (resolver groups), ``councils`` (ids or ["all"]); ``iat`` and
``exp`` at most MAX_LIFETIME_SECONDS after it. Anything else is refused with AgentTokenRejected.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jwt

from bot.config import Kind, Setting

SECRET_SETTING = "ASKIT_AGENT_TOKEN_SECRET"
ALGORITHM = "HS256"
AUDIENCE = "askit-agents"
ISSUER = "askit-backoffice"
MAX_LIFETIME_SECONDS = 600  # a console renews its token; a leaked one is short-lived
CLOCK_SKEW_SECONDS = 30
MAX_TOKEN_CHARS = 4096
MIN_SECRET_CHARS = 32
MAX_LIST_ITEMS = 50
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@+-]{0,127}")
_NAME = re.compile(r"[^\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]{1,100}")


def _secret(value: Any) -> str:
    text = str(value)
    if len(text) < MIN_SECRET_CHARS or not text.isprintable() or " " in text:
        raise ValueError(f"must be at least {MIN_SECRET_CHARS} printable characters without spaces")
    return text


SECRET = Setting(
    SECRET_SETTING,
    Kind(f"a key of {MIN_SECRET_CHARS} characters or more", _secret, echo=False),
    "the key the back office signs agent console tokens with (HS256)",
    secret=True,
)


class AgentTokenRejected(Exception):
    """The token is missing, malformed, forged, expired or claims too much; the message is short
    and safe to show the console."""


@dataclass(frozen=True)
class AgentClaims:
    """Who a verified token says the agent is, and whose chats they take."""

    id: str
    name: str
    groups: tuple[str, ...]
    councils: tuple[str, ...]
    expires: float


def mint(
    secret: str,
    agent_id: str,
    *,
    name: str,
    groups: Sequence[str],
    councils: Sequence[str],
    lifetime: float = MAX_LIFETIME_SECONDS,
    now: float | None = None,
) -> str:
    """A token for the console of ``agent_id`` (the back office calls this after its own sign-in)."""
    issued = time.time() if now is None else now
    claims = {
        "sub": agent_id,
        "name": name,
        "groups": list(groups),
        "councils": list(councils),
        "aud": AUDIENCE,
        "iss": ISSUER,
        "iat": int(issued),
        "exp": int(issued + lifetime),
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def verify(token: object, secret: str, now: float | None = None) -> AgentClaims:
    """The claims of a valid token; AgentTokenRejected otherwise."""
    if not isinstance(token, str) or not token:
        raise AgentTokenRejected("no token")
    if len(token) > MAX_TOKEN_CHARS or not token.isascii():
        raise AgentTokenRejected("malformed token")
    at = time.time() if now is None else now
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=ISSUER,
            leeway=CLOCK_SKEW_SECONDS,
            options={"require": ["sub", "exp", "iat", "aud", "iss"], "verify_exp": False, "verify_iat": False},
        )
    except jwt.ExpiredSignatureError:
        raise AgentTokenRejected("token expired") from None
    except (jwt.InvalidAudienceError, jwt.InvalidIssuerError, jwt.MissingRequiredClaimError) as exc:
        raise AgentTokenRejected(f"token not for the agent console ({type(exc).__name__})") from None
    except jwt.PyJWTError:
        raise AgentTokenRejected("invalid token") from None
    return _claims(claims, at)


def _claims(claims: Mapping[str, Any], now: float) -> AgentClaims:
    if not (_number(claims.get("exp")) and _number(claims.get("iat"))):
        raise AgentTokenRejected("token times must be numbers")
    exp, iat = float(claims["exp"]), float(claims["iat"])
    if exp <= now - CLOCK_SKEW_SECONDS:
        raise AgentTokenRejected("token expired")
    if iat > now + CLOCK_SKEW_SECONDS:
        raise AgentTokenRejected("token issued in the future")
    if exp - iat > MAX_LIFETIME_SECONDS or exp > now + MAX_LIFETIME_SECONDS + CLOCK_SKEW_SECONDS:
        raise AgentTokenRejected(f"token lives longer than {MAX_LIFETIME_SECONDS // 60} minutes")
    sub, name = claims.get("sub"), claims.get("name")
    if not isinstance(sub, str) or not _ID.fullmatch(sub):
        raise AgentTokenRejected("token's sub is not an agent id")
    if not isinstance(name, str) or not _NAME.fullmatch(name.strip() or "\x00"):
        raise AgentTokenRejected("token's name is not a name")
    return AgentClaims(
        sub, name.strip(), _ids(claims.get("groups"), "groups"), _ids(claims.get("councils"), "councils"), float(exp)
    )


def _ids(value: Any, claim: str) -> tuple[str, ...]:
    if not isinstance(value, list) or len(value) > MAX_LIST_ITEMS:
        raise AgentTokenRejected(f"token's {claim} must be a list")
    if not all(isinstance(v, str) and _ID.fullmatch(v) for v in value):
        raise AgentTokenRejected(f"token's {claim} must be ids")
    return tuple(value)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
