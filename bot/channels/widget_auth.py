"""Verify the token a host page's server signs for the web widget, and mint one (demo page, tests).

The algorithm is the configured one, never the token's; ``sub`` and ``exp`` are required, ``nbf``,
``iat``, ``iss`` and ``aud`` are checked when present (issuer and audience when configured), with
``CLOCK_SKEW_SECONDS`` of leeway. Errors:

    TokenRejected            refuse the connection; ``reason`` is short and safe to show the client
    ├── TokenMissing         no token, or not a string
    ├── TokenExpired         ``exp`` has passed
    ├── TokenNotYetValid     ``nbf`` or ``iat`` is in the future
    ├── TokenInvalid         not a JWT, wrong algorithm, bad signature
    └── TokenClaimsInvalid   a claim is missing, of the wrong type, or names another issuer/audience
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Mapping
from typing import Any

import jwt
from jwt.exceptions import InvalidSubjectError

from bot.channels.widget_config import WidgetConfig
from bot.identity import VerifiedIdentity

CLOCK_SKEW_SECONDS = 60
MAX_TOKEN_CHARS = 8192
DEV_TOKEN_SECONDS = 300
SENDER_PREFIX = "webchat-"
_MAX_CLAIM_CHARS = {"sub": 256, "email": 254, "name": 200, "tenant": 64}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


class TokenRejected(Exception):
    reason = "invalid token"

    def __init__(self, detail: str = "") -> None:
        super().__init__(f"{self.reason}: {detail}" if detail else self.reason)


class TokenMissing(TokenRejected):
    reason = "no token"


class TokenExpired(TokenRejected):
    reason = "token expired"


class TokenNotYetValid(TokenRejected):
    reason = "token not yet valid"


class TokenInvalid(TokenRejected):
    reason = "invalid token"


class TokenClaimsInvalid(TokenRejected):
    reason = "token claims not accepted"


def verify_token(token: object, config: WidgetConfig) -> VerifiedIdentity:
    """The identity a valid token vouches for; raises a ``TokenRejected`` otherwise."""
    if not isinstance(token, str) or not token:
        raise TokenMissing()
    if config.algorithm is None:
        raise TokenInvalid("no key configured")
    if len(token) > MAX_TOKEN_CHARS:
        raise TokenInvalid("too long")
    try:
        claims = jwt.decode(
            token,
            config.verification_key(),
            algorithms=[config.algorithm],
            issuer=config.issuer,
            audience=config.audience,
            leeway=CLOCK_SKEW_SECONDS,
            options={"require": ["sub", "exp"]},
        )
    except jwt.ExpiredSignatureError:
        raise TokenExpired() from None
    except jwt.ImmatureSignatureError:
        raise TokenNotYetValid() from None
    except (
        jwt.MissingRequiredClaimError,
        jwt.InvalidIssuerError,
        jwt.InvalidAudienceError,
        InvalidSubjectError,
        jwt.InvalidIssuedAtError,
    ) as exc:
        raise TokenClaimsInvalid(str(exc)) from None
    except jwt.PyJWTError as exc:  # malformed, wrong algorithm, bad signature, unusable key
        raise TokenInvalid(type(exc).__name__) from None
    return identity_from_claims(claims)


def identity_from_claims(claims: Mapping[str, Any]) -> VerifiedIdentity:
    for name, limit in _MAX_CLAIM_CHARS.items():
        value = claims.get(name)
        if value is None or (value == "" and name != "sub"):  # an empty optional claim says nothing
            continue
        if not isinstance(value, str) or not value.strip() or len(value) > limit:
            raise TokenClaimsInvalid(f"{name} must be a non-empty string of at most {limit} characters")
    email = claims.get("email")
    if email and not _EMAIL.match(email):
        raise TokenClaimsInvalid("email is not an e-mail address")
    identity = VerifiedIdentity(id=claims["sub"])
    for name in ("email", "name", "tenant"):
        if claims.get(name):
            identity[name] = claims[name]  # type: ignore[literal-required]
    return identity


def sender_id(identity: VerifiedIdentity) -> str:
    """The Rasa conversation of a verified subject: the same on every reconnect and page load, and
    a digest so that logs and room names never carry the subject (often an e-mail address)."""
    return SENDER_PREFIX + hashlib.sha256(identity["id"].encode("utf-8")).hexdigest()[:32]


def mint_token(
    secret: str,
    sub: str,
    *,
    email: str | None = None,
    name: str | None = None,
    tenant: str | None = None,
    lifetime: float = DEV_TOKEN_SECONDS,
    now: float | None = None,
    issuer: str | None = None,
    audience: str | None = None,
) -> str:
    """An HS256 token as a host site's server would sign it (the demo page's tokens, and tests')."""
    issued = int(now if now is not None else time.time())
    claims: dict[str, Any] = {"sub": sub, "iat": issued, "exp": issued + int(lifetime)}
    extra = {"email": email, "name": name, "tenant": tenant, "iss": issuer, "aud": audience}
    claims.update({k: v for k, v in extra.items() if v is not None})
    return jwt.encode(claims, secret, algorithm="HS256")
