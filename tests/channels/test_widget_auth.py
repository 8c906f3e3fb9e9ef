"""Widget tokens: what is accepted, and each way a token is refused."""

from __future__ import annotations

import base64
import hmac
import json
import time
import warnings
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bot.channels.widget_auth import (
    CLOCK_SKEW_SECONDS,
    MAX_TOKEN_CHARS,
    TokenClaimsInvalid,
    TokenExpired,
    TokenInvalid,
    TokenMissing,
    TokenNotYetValid,
    TokenRejected,
    mint_token,
    sender_id,
    verify_token,
)
from bot.channels.widget_config import WidgetConfig

SECRET = "s" * 40
OTHER_SECRET = "o" * 40


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def other_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_pem(key: rsa.RSAPrivateKey, tmp_path: Path) -> str:
    path = tmp_path / "widget.pub.pem"
    path.write_bytes(
        key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return str(path)


def hs_config(**env: str) -> WidgetConfig:
    return WidgetConfig.from_env({"ASKIT_WIDGET_JWT_SECRET": SECRET, **env})


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base: dict[str, Any] = {"sub": "u-123", "exp": now + 300, "iat": now, "email": "ann@riverside.example"}
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def unsigned(payload: dict[str, Any]) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(payload)}."


def test_a_valid_token_gives_its_identity_and_nothing_else() -> None:
    token = jwt.encode(
        claims(name="Ann Lee", tenant="riverside", role="admin", id="someone-else"), SECRET, algorithm="HS256"
    )
    assert verify_token(token, hs_config()) == {
        "id": "u-123",
        "email": "ann@riverside.example",
        "name": "Ann Lee",
        "tenant": "riverside",
    }


def test_empty_optional_claims_are_left_out() -> None:
    token = jwt.encode(claims(email="", name="", tenant=""), SECRET, algorithm="HS256")
    assert verify_token(token, hs_config()) == {"id": "u-123"}


def test_an_rs256_token_is_verified_with_the_public_key(rsa_key: rsa.RSAPrivateKey, tmp_path: Path) -> None:
    config = WidgetConfig.from_env({"ASKIT_WIDGET_JWT_PUBLIC_KEY": public_pem(rsa_key, tmp_path)})
    assert config.algorithm == "RS256"
    assert verify_token(jwt.encode(claims(), rsa_key, algorithm="RS256"), config)["id"] == "u-123"


def test_the_clock_skew_is_allowed_both_ways() -> None:
    now = int(time.time())
    slightly_old = jwt.encode(claims(exp=now - CLOCK_SKEW_SECONDS + 10), SECRET, algorithm="HS256")
    slightly_early = jwt.encode(claims(nbf=now + CLOCK_SKEW_SECONDS - 10), SECRET, algorithm="HS256")
    assert verify_token(slightly_old, hs_config())["id"] == "u-123"
    assert verify_token(slightly_early, hs_config())["id"] == "u-123"


def hs(payload: dict[str, Any], key: str = SECRET, **headers: Any) -> str:
    return jwt.encode(payload, key, algorithm="HS256", headers=headers or None)


def hs512(payload: dict[str, Any]) -> str:
    """The right key under another algorithm (PyJWT warns that the key is short for it)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return jwt.encode(payload, SECRET, algorithm="HS512")


NOW = int(time.time())


@pytest.mark.parametrize(
    "token,config_env,error",
    [
        (None, {}, TokenMissing),
        ("", {}, TokenMissing),
        (12345, {}, TokenMissing),
        ("not a jwt", {}, TokenInvalid),
        ("a.b.c", {}, TokenInvalid),
        ("x" * (MAX_TOKEN_CHARS + 1), {}, TokenInvalid),
        (hs(claims(exp=NOW - CLOCK_SKEW_SECONDS - 5)), {}, TokenExpired),
        (hs(claims(nbf=NOW + CLOCK_SKEW_SECONDS + 60)), {}, TokenNotYetValid),
        (hs(claims(iat=NOW + CLOCK_SKEW_SECONDS + 60)), {}, TokenNotYetValid),
        (hs(claims(), key=OTHER_SECRET), {}, TokenInvalid),
        (unsigned(claims()), {}, TokenInvalid),
        (hs512(claims()), {}, TokenInvalid),
        (hs(claims(sub=None)), {}, TokenClaimsInvalid),
        (hs(claims(exp=None)), {}, TokenClaimsInvalid),
        (hs(claims(sub=42)), {}, TokenClaimsInvalid),
        (hs(claims(sub="  ")), {}, TokenClaimsInvalid),
        (hs(claims(email="not-an-address")), {}, TokenClaimsInvalid),
        (hs(claims(email=["a@b.example"])), {}, TokenClaimsInvalid),
        (hs(claims(tenant="t" * 65)), {}, TokenClaimsInvalid),
        (hs(claims()), {"ASKIT_WIDGET_JWT_ISSUER": "https://intranet.example"}, TokenClaimsInvalid),
        (
            hs(claims(iss="https://evil.example")),
            {"ASKIT_WIDGET_JWT_ISSUER": "https://intranet.example"},
            TokenClaimsInvalid,
        ),
        (hs(claims()), {"ASKIT_WIDGET_JWT_AUDIENCE": "askit"}, TokenClaimsInvalid),
        (hs(claims(aud="other-app")), {"ASKIT_WIDGET_JWT_AUDIENCE": "askit"}, TokenClaimsInvalid),
        (hs(claims(aud="askit")), {}, TokenClaimsInvalid),  # meant for a named audience we were not told of
    ],
    ids=[
        "none",
        "empty",
        "not-a-string",
        "garbage",
        "three-garbage-parts",
        "too-long",
        "expired",
        "not-yet-valid-nbf",
        "issued-in-the-future",
        "wrong-key",
        "alg-none",
        "other-hmac-algorithm",
        "missing-sub",
        "missing-exp",
        "sub-not-a-string",
        "blank-sub",
        "bad-email",
        "email-not-a-string",
        "tenant-too-long",
        "missing-issuer",
        "wrong-issuer",
        "missing-audience",
        "wrong-audience",
        "unexpected-audience",
    ],
)
def test_refused_tokens(token: object, config_env: dict[str, str], error: type[TokenRejected]) -> None:
    with pytest.raises(error) as raised:
        verify_token(token, hs_config(**config_env))
    assert str(raised.value).startswith(error.reason)


def test_issuer_and_audience_are_accepted_when_they_match() -> None:
    config = hs_config(ASKIT_WIDGET_JWT_ISSUER="https://intranet.example", ASKIT_WIDGET_JWT_AUDIENCE="askit")
    token = hs(claims(iss="https://intranet.example", aud="askit"))
    assert verify_token(token, config)["id"] == "u-123"


def test_hs_rs_confusion_is_refused(rsa_key: rsa.RSAPrivateKey, tmp_path: Path) -> None:
    pem_path = public_pem(rsa_key, tmp_path)
    rs_config = WidgetConfig.from_env({"ASKIT_WIDGET_JWT_PUBLIC_KEY": pem_path})
    # The classic attack: an HS256 token whose HMAC key is the server's public key.
    pem = Path(pem_path).read_bytes()
    header = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').rstrip(b"=")
    body = base64.urlsafe_b64encode(json.dumps(claims()).encode()).rstrip(b"=")
    signature = base64.urlsafe_b64encode(hmac.new(pem, header + b"." + body, "sha256").digest()).rstrip(b"=")
    forged = b".".join([header, body, signature]).decode()
    with pytest.raises(TokenInvalid):
        verify_token(forged, rs_config)
    # And the other way: an RS256 token where the server expects HS256.
    with pytest.raises(TokenInvalid):
        verify_token(jwt.encode(claims(), rsa_key, algorithm="RS256"), hs_config())


def test_an_rs256_token_from_another_key_is_refused(
    rsa_key: rsa.RSAPrivateKey, other_rsa_key: rsa.RSAPrivateKey, tmp_path: Path
) -> None:
    config = WidgetConfig.from_env({"ASKIT_WIDGET_JWT_PUBLIC_KEY": public_pem(rsa_key, tmp_path)})
    with pytest.raises(TokenInvalid):
        verify_token(jwt.encode(claims(), other_rsa_key, algorithm="RS256"), config)


def test_with_no_key_every_token_is_refused() -> None:
    config = WidgetConfig.from_env({})
    assert config.disabled_reason and "ASKIT_WIDGET_JWT_SECRET" in config.disabled_reason
    with pytest.raises(TokenInvalid):
        verify_token(hs(claims()), config)


def test_minted_tokens_verify_and_the_conversation_follows_the_subject_only() -> None:
    token = mint_token(SECRET, "demo-abc123", email="demo-abc123@northbrook.example", name="Demo")
    identity = verify_token(token, hs_config())
    assert identity == {"id": "demo-abc123", "email": "demo-abc123@northbrook.example", "name": "Demo"}
    again = verify_token(mint_token(SECRET, "demo-abc123", name="Renamed"), hs_config())
    assert sender_id(identity) == sender_id(again)
    assert sender_id(identity) != sender_id(verify_token(mint_token(SECRET, "demo-abc124"), hs_config()))
    assert sender_id(identity).startswith("webchat-") and "demo" not in sender_id(identity)
