"""Verify the token a host page's server signs for the web widget, and mint one (demo page, tests).

The algorithm is the configured one, never the token's; ``sub`` and ``exp`` are required, ``nbf``,
``iat``, ``iss`` and ``aud`` are checked when present (issuer and audience when configured), with
``CLOCK_SKEW_SECONDS`` of leeway. Times must be JSON numbers, and the identity claims printable text
(no control characters, lone surrogates or bidirectional overrides). A refused token raises a
``TokenRejected`` (bot/channels/errors.py), whose ``reason`` is short and safe to show the client.
"""

from __future__ import annotations

import hashlib
import math
import re
import time
from collections.abc import Mapping
from typing import Any

import jwt
from jwt.exceptions import InvalidSubjectError

from bot.channels.errors import TokenClaimsInvalid, TokenExpired, TokenInvalid, TokenMissing, TokenNotYetValid
from bot.channels.widget_config import WidgetConfig
from bot.identity import VerifiedIdentity

CLOCK_SKEW_SECONDS = 60
MAX_TOKEN_CHARS = 8192
DEV_TOKEN_SECONDS = 300
SENDER_PREFIX = "webchat-"
_MAX_CLAIM_CHARS = {"sub": 256, "email": 254, "name": 200, "tenant": 64}
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")  # with fullmatch: "$" would let a trailing newline through
# C0 and C1 controls (NUL, newline, ESC ...) and lone surrogates: JSON can carry them ("\udfff"),
# but they break UTF-8 encoding (the sender id's digest, logs, tickets) and forge log lines; and the
# bidirectional overrides, which make a requester's name on a ticket read other than it is.
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")
_TIME_CLAIMS = ("exp", "nbf", "iat")


def verify_token(token: object, config: WidgetConfig) -> VerifiedIdentity:
    """The identity a valid token vouches for; raises a ``TokenRejected`` otherwise."""
    if not isinstance(token, str) or not token:
        raise TokenMissing()
    if config.algorithm is None:
        raise TokenInvalid("no key configured")
    if len(token) > MAX_TOKEN_CHARS:
        raise TokenInvalid("too long")
    if not token.isascii():  # a JWT is base64url and dots; PyJWT raised UnicodeEncodeError on a lone surrogate
        raise TokenInvalid("not ASCII")
    try:
        claims = jwt.decode(
            token,
            config.verification_key(),
            algorithms=[config.algorithm],
            issuer=config.issuer,
            audience=config.audience,
            # PyJWT checks times on int(claim), which takes "9999999999" and true: checked below instead.
            options={"require": ["sub", "exp"], "verify_exp": False, "verify_nbf": False, "verify_iat": False},
        )
    except (
        jwt.MissingRequiredClaimError,
        jwt.InvalidIssuerError,
        jwt.InvalidAudienceError,
        InvalidSubjectError,
    ) as exc:
        raise TokenClaimsInvalid(str(exc)) from None
    except jwt.PyJWTError as exc:  # malformed, wrong algorithm, bad signature, unusable key
        raise TokenInvalid(type(exc).__name__) from None
    _check_times(claims, time.time())
    return identity_from_claims(claims)


def _check_times(claims: Mapping[str, Any], now: float) -> None:
    """``exp``, ``nbf`` and ``iat`` as RFC 7519 NumericDates: finite JSON numbers, not strings or
    booleans; then the same comparisons as PyJWT's, with ``CLOCK_SKEW_SECONDS`` of leeway."""
    for name in _TIME_CLAIMS:
        if name in claims and not _is_numeric_date(claims[name]):
            raise TokenClaimsInvalid(f"{name} must be a number")
    if claims["exp"] <= now - CLOCK_SKEW_SECONDS:
        raise TokenExpired()
    if any(name in claims and claims[name] > now + CLOCK_SKEW_SECONDS for name in ("nbf", "iat")):
        raise TokenNotYetValid()


def _is_numeric_date(value: object) -> bool:
    # bool is an int subclass; a float NaN or infinity would never expire (NaN compares false).
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))


def identity_from_claims(claims: Mapping[str, Any]) -> VerifiedIdentity:
    for name, limit in _MAX_CLAIM_CHARS.items():
        value = claims.get(name)
        if value is None or (value == "" and name != "sub"):  # an empty optional claim says nothing
            continue
        if not isinstance(value, str) or not value.strip() or len(value) > limit:
            raise TokenClaimsInvalid(f"{name} must be a non-empty string of at most {limit} characters")
        if _UNPRINTABLE.search(value):
            raise TokenClaimsInvalid(f"{name} contains a control character")
    email = claims.get("email")
    if email and not _EMAIL.fullmatch(email):
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
