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

from bot.channels.errors import (
    TokenClaimsInvalid,
    TokenExpired,
    TokenInvalid,
    TokenMissing,
    TokenNotYetValid,
    TokenRejected,
)
from bot.channels.widget_auth import CLOCK_SKEW_SECONDS, MAX_TOKEN_CHARS, mint_token, sender_id, verify_token
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
        (hs(claims(nbf=NOW + CLOCK_SKEW_SECONDS + 3600)), {}, TokenNotYetValid),  # NOW is read at collection
        (hs(claims(iat=NOW + CLOCK_SKEW_SECONDS + 3600)), {}, TokenNotYetValid),
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


@pytest.mark.parametrize(
    "overrides",
    [
        {"exp": str(NOW + 3600)},
        {"exp": "9999999999"},
        {"exp": "tomorrow"},
        {"exp": True},
        {"exp": [NOW + 3600]},
        {"exp": float("nan")},
        {"exp": float("inf")},
        {"nbf": str(NOW - 60)},
        {"nbf": True},
        {"iat": str(NOW)},
        {"iat": False},
        {"iat": {"t": NOW}},
    ],
    ids=[
        "exp-numeric-string",
        "exp-far-future-string",
        "exp-word",
        "exp-bool",
        "exp-list",
        "exp-nan",
        "exp-infinity",
        "nbf-numeric-string",
        "nbf-bool",
        "iat-numeric-string",
        "iat-bool",
        "iat-object",
    ],
)
def test_times_that_are_not_numbers_are_refused(overrides: dict[str, Any]) -> None:
    token = hs(claims(**overrides))  # json.dumps writes NaN and Infinity, and json.loads reads them
    with pytest.raises(TokenClaimsInvalid, match="must be a number"):
        verify_token(token, hs_config())


def test_null_times_are_refused() -> None:
    with pytest.raises(TokenClaimsInvalid):
        verify_token(hs(claims() | {"exp": None}), hs_config())
    with pytest.raises(TokenClaimsInvalid, match="nbf must be a number"):
        verify_token(hs(claims() | {"nbf": None}), hs_config())


def test_times_may_be_fractional_or_very_large_numbers() -> None:
    # RFC 7519 NumericDate allows non-integers; an int too large for a float must not crash.
    assert verify_token(hs(claims(exp=NOW + 300.5, iat=NOW - 0.25)), hs_config())["id"] == "u-123"
    assert verify_token(hs({"sub": "u-1", "exp": 10**400}), hs_config())["id"] == "u-1"
    with pytest.raises(TokenExpired):
        verify_token(hs(claims(exp=NOW - CLOCK_SKEW_SECONDS - 0.5)), hs_config())


UNPRINTABLE = [
    pytest.param("x\udfff", id="lone-low-surrogate"),
    pytest.param("\ud800x", id="lone-high-surrogate"),
    pytest.param("x\x00y", id="nul"),
    pytest.param("x\ny", id="newline"),
    pytest.param("x\ty", id="tab"),
    pytest.param("x\x1b[31m", id="escape"),
    pytest.param("x\x7f", id="del"),
    pytest.param("x\x85y", id="c1-next-line"),
    pytest.param("\u202enimda", id="right-to-left-override"),
    pytest.param("x\u2066y", id="left-to-right-isolate"),
]


@pytest.mark.parametrize("claim", ["sub", "email", "name", "tenant"])
@pytest.mark.parametrize("value", UNPRINTABLE)
def test_identity_claims_with_control_characters_or_lone_surrogates_are_refused(claim: str, value: str) -> None:
    # A validly signed token can carry these (JSON escapes them): they must not crash the connect
    # (sender_id encodes sub as UTF-8) nor reach logs and tickets.
    token = hs(claims(**{claim: value if claim != "email" else f"ann{value}@riverside.example"}))
    with pytest.raises(TokenClaimsInvalid, match=claim):
        identity = verify_token(token, hs_config())
        sender_id(identity)  # what the connect does next: before the fix, UnicodeEncodeError here


def test_an_email_with_a_trailing_newline_is_refused() -> None:
    with pytest.raises(TokenClaimsInvalid):
        verify_token(hs(claims(email="ann@riverside.example\n")), hs_config())


def test_printable_unicode_in_identity_claims_is_kept() -> None:
    token = hs(claims(sub="ü-123 😀", name="Siân Ó Briain 李", tenant="riverside"))
    identity = verify_token(token, hs_config())
    assert (identity["id"], identity["name"]) == ("ü-123 😀", "Siân Ó Briain 李")
    assert sender_id(identity).startswith("webchat-")


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
