"""Bot Framework token verification against a fake Bot Framework's real OpenID metadata and keys."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest

from bot.channels.botframework_auth import UNKNOWN_KEY_REFETCH_SECONDS, BotFrameworkAuth, SigningKeys, fetch_json
from bot.channels.errors import AuthError, KeysUnavailable
from tests.channels.fake_botframework import APP_ID, FakeBotFramework, new_key


@pytest.fixture(scope="module")
def bf() -> Iterator[FakeBotFramework]:
    fake = FakeBotFramework().start()
    yield fake
    fake.stop()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def auth_for(bf: FakeBotFramework, clock: Clock | None = None) -> BotFrameworkAuth:
    return BotFrameworkAuth(APP_ID, SigningKeys(bf.metadata_url, fetch_json, clock or Clock()))


def verify(auth: BotFrameworkAuth, header: str | None) -> Any:
    return asyncio.run(auth.verify_token(header))


def unsigned(claims: dict[str, Any], header: dict[str, Any]) -> str:
    part = lambda d: base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()  # noqa: E731
    return f"{part(header)}.{part(claims)}."


def test_a_token_the_bot_framework_signed_for_us_is_accepted(bf: FakeBotFramework) -> None:
    verified = verify(auth_for(bf), f"Bearer {bf.token()}")
    assert verified.claims["aud"] == APP_ID and verified.claims["serviceurl"] == bf.service_url
    BotFrameworkAuth.check_activity(verified, bf.service_url, "msteams")


@pytest.mark.parametrize(
    "make_header,why",
    [
        (lambda bf: None, "no bearer token"),
        (lambda bf: "", "no bearer token"),
        (lambda bf: f"Basic {bf.token()}", "no bearer token"),
        (lambda bf: "Bearer not-a-jwt", "malformed token"),
        (lambda bf: f"Bearer {bf.token(exp=int(time.time()) - 301)}", "ExpiredSignatureError"),
        (lambda bf: f"Bearer {bf.token(nbf=int(time.time()) + 400)}", "ImmatureSignatureError"),
        (lambda bf: f"Bearer {bf.token(aud='someone-elses-app')}", "InvalidAudienceError"),
        (lambda bf: f"Bearer {bf.token(iss='https://sts.windows.net/evil/')}", "InvalidIssuerError"),
        (lambda bf: f"Bearer {bf.token(exp=None)}", "MissingRequiredClaimError"),
        # signed by a key the Bot Framework never published, under a published key's id
        (lambda bf: f"Bearer {forged_with_known_kid(bf)}", "InvalidSignatureError"),
        (lambda bf: f"Bearer {bf.token(key=new_key())}", "unknown key id"),
        (
            lambda bf: f"Bearer {unsigned({'aud': APP_ID, 'iss': 'https://api.botframework.com'}, {'alg': 'none'})}",
            "algorithm 'none' is not allowed",
        ),
        # the public key used as an HMAC secret: the classic algorithm confusion
        (lambda bf: f"Bearer {hs256_with_public_key(bf)}", "algorithm 'HS256' is not allowed"),
    ],
)
def test_a_token_that_is_not_right_is_refused(bf: FakeBotFramework, make_header: Any, why: str) -> None:
    with pytest.raises(AuthError, match=why):
        verify(auth_for(bf), make_header(bf))


def forged_with_known_kid(bf: FakeBotFramework) -> str:
    impostor = new_key()
    impostor.kid = bf.keys[-1].kid
    return bf.token(key=impostor)


def hs256_with_public_key(bf: FakeBotFramework) -> str:
    public_pem = bf.keys[-1].jwk()["n"]
    claims = {"aud": APP_ID, "iss": "https://api.botframework.com", "exp": int(time.time()) + 60}
    return jwt.encode(claims, public_pem, algorithm="HS256", headers={"kid": bf.keys[-1].kid})


def test_a_little_clock_skew_is_allowed(bf: FakeBotFramework) -> None:
    verify(auth_for(bf), f"Bearer {bf.token(exp=int(time.time()) - 60, nbf=int(time.time()) + 60)}")


@pytest.mark.parametrize(
    "service_url,channel,why",
    [
        ("https://attacker.example/", "msteams", "serviceUrl"),
        (None, "msteams", "serviceUrl"),
        ("same", "webchat", "not endorsed for channel 'webchat'"),
        ("same", None, "not endorsed"),
    ],
)
def test_the_activity_must_match_the_token(
    bf: FakeBotFramework, service_url: str | None, channel: str | None, why: str
) -> None:
    verified = verify(auth_for(bf), f"Bearer {bf.token()}")
    with pytest.raises(AuthError, match=why):
        BotFrameworkAuth.check_activity(verified, bf.service_url if service_url == "same" else service_url, channel)


def test_keys_are_cached_and_fetched_again_for_a_new_key_id(bf: FakeBotFramework) -> None:
    clock = Clock()
    auth = auth_for(bf, clock)
    before = bf.key_fetches
    for _ in range(3):
        verify(auth, f"Bearer {bf.token()}")
    assert bf.key_fetches == before + 1  # cached

    rolled = bf.rotate()
    clock.now += UNKNOWN_KEY_REFETCH_SECONDS + 1
    verify(auth, f"Bearer {bf.token(key=rolled)}")  # an unknown key id: fetched again, and found
    assert bf.key_fetches == before + 2

    # Forged key ids cannot make us hammer the metadata endpoint: one fetch per interval at most.
    for _ in range(5):
        with pytest.raises(AuthError, match="unknown key id"):
            verify(auth, f"Bearer {bf.token(key=new_key())}")
    assert bf.key_fetches == before + 2


def test_keys_that_cannot_be_fetched_make_the_request_unverifiable() -> None:
    auth = BotFrameworkAuth(APP_ID, SigningKeys("http://127.0.0.1:9/v1/.well-known/openidconfiguration", fetch_json))
    with pytest.raises(KeysUnavailable):
        verify(auth, f"Bearer {jwt.encode({'a': 1}, new_key().private, algorithm='RS256', headers={'kid': 'k'})}")
