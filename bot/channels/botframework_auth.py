"""Verify the JWT the Bot Framework sends with every request to a bot (Teams' webhook).

A request is accepted only if its bearer token is signed with a key from the Bot Framework's
OpenID metadata (cached; fetched again when a token names a key id we do not have), was issued by
``https://api.botframework.com`` for our app id, is within its validity (with the documented five
minutes of clock skew), and, once the body is parsed, names the activity's ``serviceUrl`` in its
``serviceurl`` claim from a key endorsed for the activity's channel. Anything else is refused.

    Authorization header ──verify_token──> VerifiedToken ──check_activity(serviceUrl, channelId)──> ok
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
import jwt
from jwt.algorithms import RSAAlgorithm

from bot.channels.errors import AuthError, KeysUnavailable

BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"
DEFAULT_OPENID_METADATA_URL = "https://login.botframework.com/v1/.well-known/openidconfiguration"
ALGORITHMS = ("RS256",)  # what the Bot Framework signs with; nothing else is accepted
CLOCK_SKEW_SECONDS = 300
KEYS_MAX_AGE_SECONDS = 24 * 3600
# A token with an unknown key id makes us fetch the keys again, but not more often than this, so
# a stream of forged key ids cannot turn us into a load generator against the metadata endpoint.
UNKNOWN_KEY_REFETCH_SECONDS = 300.0
SERVICE_URL_CLAIM = "serviceurl"
FETCH_TIMEOUT = aiohttp.ClientTimeout(total=10)

FetchJson = Callable[[str], Awaitable[Any]]


@dataclass(frozen=True)
class SigningKey:
    key: Any  # an RSA public key
    endorsements: frozenset[str]  # the channels (e.g. "msteams") this key may sign for


@dataclass(frozen=True)
class VerifiedToken:
    claims: Mapping[str, Any]
    endorsements: frozenset[str]


class SigningKeys:
    """The Bot Framework's current signing keys, from its OpenID metadata document."""

    def __init__(self, metadata_url: str, fetch_json: FetchJson, clock: Callable[[], float] = time.monotonic) -> None:
        self.metadata_url, self._fetch, self._clock = metadata_url, fetch_json, clock
        self._keys: dict[str, SigningKey] = {}
        self._fetched_at: float | None = None
        self._lock = asyncio.Lock()

    async def get(self, kid: str) -> SigningKey:
        if self._stale() or kid not in self._keys:  # keys roll over: a new id may be a new key
            await self._refresh()
        try:
            return self._keys[kid]
        except KeyError:
            raise AuthError(f"token signed with an unknown key id {kid[:40]!r}") from None

    def _stale(self) -> bool:
        return self._fetched_at is None or self._clock() - self._fetched_at > KEYS_MAX_AGE_SECONDS

    async def _refresh(self) -> None:
        async with self._lock:  # one fetch at a time; those who waited find the keys fresh
            recent = self._fetched_at is not None and self._clock() - self._fetched_at < UNKNOWN_KEY_REFETCH_SECONDS
            if recent and not self._stale():
                return
            try:
                metadata = await self._fetch(self.metadata_url)
                keys = await self._fetch(str(metadata["jwks_uri"]))
                parsed = {str(k["kid"]): _signing_key(k) for k in keys["keys"] if k.get("kty") == "RSA" and "kid" in k}
            except KeysUnavailable:
                raise
            except (KeyError, TypeError, ValueError) as exc:
                raise KeysUnavailable(f"the OpenID metadata at {self.metadata_url} is not usable: {exc!r}") from exc
            self._keys, self._fetched_at = parsed, self._clock()


def _signing_key(jwk: Mapping[str, Any]) -> SigningKey:
    return SigningKey(
        key=RSAAlgorithm.from_jwk(json.dumps(dict(jwk))),
        endorsements=frozenset(str(e) for e in jwk.get("endorsements") or ()),
    )


class BotFrameworkAuth:
    def __init__(self, app_id: str, keys: SigningKeys, issuer: str = BOT_FRAMEWORK_ISSUER) -> None:
        if not app_id:
            raise ValueError("app_id is required to check a token's audience")
        self.app_id, self.keys, self.issuer = app_id, keys, issuer

    async def verify_token(self, authorization: str | None) -> VerifiedToken:
        """Check the Authorization header's token: signature, issuer, audience, expiry, not-before."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthError("no bearer token")
        if not token.isascii():  # a JWT is ASCII; anything else (even bytes that are not UTF-8) is no token
            raise AuthError("malformed token: not ASCII")
        try:
            header = jwt.get_unverified_header(token.strip())
        except jwt.PyJWTError as exc:
            raise AuthError(f"malformed token: {exc}") from exc
        if header.get("alg") not in ALGORITHMS:
            raise AuthError(f"token algorithm {str(header.get('alg'))[:20]!r} is not allowed")
        signing = await self.keys.get(str(header.get("kid") or ""))
        try:
            claims = jwt.decode(
                token.strip(),
                key=signing.key,
                algorithms=list(ALGORITHMS),
                audience=self.app_id,
                issuer=self.issuer,
                leeway=CLOCK_SKEW_SECONDS,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.PyJWTError as exc:
            raise AuthError(f"token rejected: {type(exc).__name__}: {exc}") from exc
        return VerifiedToken(claims=claims, endorsements=signing.endorsements)

    @staticmethod
    def check_activity(token: VerifiedToken, service_url: object, channel_id: object) -> None:
        """The activity must come from the service the token names, on a channel its key may sign for."""
        claimed = token.claims.get(SERVICE_URL_CLAIM)
        if not isinstance(service_url, str) or not service_url or claimed != service_url:
            raise AuthError("the activity's serviceUrl is not the one the token was issued for")
        if not isinstance(channel_id, str) or channel_id not in token.endorsements:
            raise AuthError(f"the signing key is not endorsed for channel {str(channel_id)[:40]!r}")


async def fetch_json(url: str) -> Any:
    """GET a JSON document (the OpenID metadata and its key set) for ``SigningKeys``."""
    try:
        async with aiohttp.ClientSession(timeout=FETCH_TIMEOUT) as session, session.get(url) as answer:
            answer.raise_for_status()
            return await answer.json(content_type=None)
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
        raise KeysUnavailable(f"cannot fetch {url}: {type(exc).__name__} {exc}") from exc
