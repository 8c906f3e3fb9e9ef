"""Hostile values for the fuzz tests (tests/e2e/fuzzing.py): hypothesis strategies for strings and
JSON no client should send, and the fixed tables of bodies, headers and tokens a stranger could
make; with a short name for each, for the failure report."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from tests.e2e.fuzz_wire import HS256, Header, Raw, b64url, encode, jwt_raw


def nested(depth: int, leaf: Any = "hi") -> Any:
    value = leaf
    for level in range(depth):
        value = [value] if level % 2 else {"a": value}
    return value


# --- hostile values ---------------------------------------------------------------------------

SPECIAL_TEXTS = [
    "", " ", "\x00", "a\x00b", "\udfff", "x\ud800y", "\udc00\ud83d", "\u202egnp.exe", "\u202e hi \u202c",
    "\u200b", "\ufeff", "\x1b[31mred", "\r\n\r\n", "\u2028\u2029", "\x7f\x85", "%00", "%s%n%x", "{0}{1}",
    "' OR '1'='1", "<script>alert(1)</script>", "../../../etc/passwd", "\\", '"', "null", "😀" * 3,
    "\U0010ffff", "\ufffd", "ǅ", "İ", "a\u0301" * 5, "/restart", '/inform{"x": 1}', "EXTERNAL_x",
]
NUMBER_STRINGS = ["0", "-1", "1e999", "NaN", "Infinity", "0x10", "1_000", "9999999999", " 42 ", "4.2e1"]
RAW_NUMBERS = [Raw("1e999"), Raw("-0"), Raw("123456789012345678901234567890"), Raw("NaN"), Raw("-Infinity")]
ODD_CHARS = st.characters(categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Mn"))


@dataclass(frozen=True)
class Huge:
    """A long string made when drawn (hypothesis would take ages to build one character by character)."""

    unit: str
    times: int

    def make(self) -> str:
        return self.unit * self.times


# No spaces: one token each, so DIET's cost stays linear; the 20,000 characters of words that once
# cost 6 GB are sent once per channel, as named probes (``long_words``).
HUGE_TEXTS = [Huge("a", 100_000), Huge("é", 20_000), Huge("\udfff", 5_000), Huge("\x00", 10_000), Huge("😀", 8_000)]

hostile_text: st.SearchStrategy[str] = st.one_of(
    st.sampled_from(SPECIAL_TEXTS + NUMBER_STRINGS),
    st.text(max_size=60),
    st.text(alphabet=ODD_CHARS, min_size=1, max_size=20),
    st.builds(lambda a, b, c: a + b + c, st.text(max_size=8), st.sampled_from(SPECIAL_TEXTS), st.text(max_size=8)),
    st.sampled_from(HUGE_TEXTS).map(Huge.make),
)
small_text = st.one_of(st.sampled_from(SPECIAL_TEXTS), st.text(max_size=12), st.text(alphabet=ODD_CHARS, max_size=6))
json_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=2**63),
    st.floats(allow_nan=False, allow_infinity=False),
    hostile_text,
    st.sampled_from(RAW_NUMBERS),
)
any_json: st.SearchStrategy[Any] = st.one_of(
    st.recursive(
        json_scalar,
        lambda kids: st.lists(kids, max_size=4) | st.dictionaries(small_text, kids, max_size=4),
        max_leaves=10,
    ),
    st.just(100).map(nested),  # deeper ones go as raw bodies (RAW_BODIES)
)


def field_value(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A field's value: the right kind, a hostile string, or any JSON at all (the wrong type)."""
    return st.one_of(valid, hostile_text, any_json)


def long_words(chars: int = 20_000) -> str:
    words = "my laptop will not connect to the vpn since this morning and "
    return (words * (chars // len(words) + 1))[:chars]


def describe(value: Any) -> str:
    """A short name for what is odd about ``value``: the rows of the failure report."""
    if isinstance(value, Raw):
        return f"raw {value.text[:12]}"
    if isinstance(value, str):
        return describe_text(value)
    if value is None or isinstance(value, bool | float):
        return type(value).__name__ if value is not None else "null"
    if isinstance(value, int):
        return "big int" if abs(value) >= 2**63 else "int"
    levels = _depth(value)
    kind = "object" if isinstance(value, dict) else "list"
    return f"{kind} nested {levels} levels" if levels > 5 else kind


def _depth(value: Any) -> int:
    depth = 0
    while isinstance(value, dict | list) and value:
        value = next(iter(value.values())) if isinstance(value, dict) else value[0]
        depth += 1
    return depth


def describe_text(text: str) -> str:
    if len(text) > 1000:
        return f"{len(text):,}-char string" + (" of words" if " " in text else "")
    if any("\ud800" <= c <= "\udfff" for c in text):
        return "lone surrogate"
    if "\x00" in text:
        return "NUL"
    if any(c in text for c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"):
        return "RTL override"
    if any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in text):
        return "control chars"
    if not text.strip():
        return "blank string" if text else "empty string"
    if text.strip() in NUMBER_STRINGS:
        return "number as string"
    return "text" if text.isascii() else "non-ASCII text"


def describe_fields(body: Mapping[str, Any]) -> str:
    return "{" + ", ".join(f"{k}: {describe(v)}" for k, v in body.items()) + "}"


# --- tokens a stranger could make ----------------------------------------------------------------


def widget_tokens(secret: str) -> list[tuple[str, str, bool]]:
    """(what it is, the token, whether it must be refused): forged, and signed with the right key
    but with claims a host page would never sign."""
    right, now = secret.encode(), int(time.time())

    def signed(claims: Any, header: Mapping[str, Any] = HS256) -> str:
        return jwt_raw(header, claims, right)

    ok = {"sub": "fuzz-user", "exp": now + 3600}
    return [
        ("signed with another key", jwt_raw(HS256, ok, secrets.token_bytes(32)), True),
        ("alg none", jwt_raw({"alg": "none", "typ": "JWT"}, ok, None), True),
        ("HS512 with the right key", jwt_raw({"alg": "HS512"}, ok, right, hashlib.sha512), True),
        ("exp as a numeric string", signed({**ok, "exp": str(now + 3600)}), True),
        ("exp as a list", signed({**ok, "exp": [now + 3600]}), True),
        ("expired", signed({**ok, "exp": now - 3600}), True),
        ("nbf in the future", signed({**ok, "nbf": now + 3600}), True),
        ("iat in the future", signed({**ok, "iat": now + 3600}), True),
        ("no exp", signed({"sub": "fuzz-user"}), True),
        ("no sub", signed({"exp": now + 3600}), True),
        ("sub a number", signed({**ok, "sub": 42}), True),
        ("sub empty", signed({**ok, "sub": ""}), True),
        ("sub 10,000 chars", signed({**ok, "sub": "s" * 10_000}), True),
        ("email not an address", signed({**ok, "email": "not an address"}), True),
        ("claims a JSON array", signed([1, 2, 3]), True),
        ("claims not JSON", f"{b64url(encode(HS256))}.{b64url(b'{nope')}.{b64url(b'x')}", True),
        ("garbage signature", signed(ok).rsplit(".", 1)[0] + ".c2lnbmF0dXJl", True),
        ("four parts", signed(ok) + ".x", True),
        ("100,000 chars", "a" * 100_000, True),
        ("sub a lone surrogate", signed({**ok, "sub": "x\udfff"}), False),
        ("sub with NUL and RTL override", signed({**ok, "sub": "a\x00\u202eb"}), False),
        ("name and tenant hostile", signed({**ok, "name": "\u202e\x00" * 50, "tenant": "../../x"}), False),
        ("kid header path traversal", signed(ok, {**HS256, "kid": "../../../etc/passwd"}), False),
        ("exp a float", signed({**ok, "exp": now + 3600.5}), False),
    ]


class Forgeries(tuple[tuple[str, bytes | None], ...]):
    """(what it is, an Authorization header or None for none): a short repr, as hypothesis shows
    a strategy's arguments and some of these headers are 100 KB."""

    def __repr__(self) -> str:
        return f"<{len(self)} forged Authorization headers>"


def forged_bearers(right: str) -> Forgeries:
    """Authorization headers that must not open a door that ``right`` opens (None: no header)."""
    wrong_jwt = jwt_raw(HS256, {"sub": "admin", "exp": int(time.time()) + 3600}, secrets.token_bytes(32))
    none_jwt = jwt_raw({"alg": "none"}, {"sub": "admin"}, None)
    token = right.encode()
    return Forgeries([
        ("no Authorization", None),
        ("empty Authorization", b""),
        ("Bearer and nothing", b"Bearer"),
        ("Bearer and a space", b"Bearer "),
        ("wrong token", b"Bearer wrong"),
        ("Basic credentials", b"Basic " + base64.b64encode(b"admin:admin")),
        ("the token without its last character", b"Bearer " + token[:-1]),
        ("the token and one more character", b"Bearer " + token + b"x"),
        ("the token in the other case", b"Bearer " + token.swapcase()),
        ("the token without a scheme", token),
        ("another scheme", b"Token " + token),
        ("a JWT signed with the wrong key", b"Bearer " + wrong_jwt.encode()),
        ("a JWT with alg none", b"Bearer " + none_jwt.encode()),
        ("a token of invalid UTF-8", b"Bearer \xff\xfe\xfd"),
        ("a token of a surrogate's UTF-8 bytes", b"Bearer \xed\xbf\xbf"),
        ("7,000 bytes", b"Bearer " + b"a" * 7_000),
        ("100,000 bytes", b"Bearer " + b"a" * 100_000),
    ])


HOSTILE_HEADERS: list[tuple[str, tuple[Header, ...]]] = [
    ("Host empty", ((b"Host", b""),)),
    ("Host another site", ((b"Host", b"evil.example"),)),
    ("Host with a space", ((b"Host", b"a b"),)),
    ("Host invalid UTF-8", ((b"Host", b"\xff\xfe"),)),
    ("Host 5,000 bytes", ((b"Host", b"h" * 5_000),)),
    ("Host bad port", ((b"Host", b"127.0.0.1:99999999"),)),
    ("Host IPv6 unclosed", ((b"Host", b"[::1"),)),
    ("two Hosts", ((b"Host", b"a.example"), (b"Host", b"b.example"))),
    ("forwarded headers", ((b"X-Forwarded-Proto", b"javascript"), (b"Forwarded", b"host=evil;proto=gopher"))),
    ("NUL in a header", ((b"X-Junk", b"a\x00b"),)),
    ("header without a colon", ((b"NoColonHere", b""),)),
    ("100 KB cookie", ((b"Cookie", b"c=" + b"x" * 100_000),)),
    ("Content-Length negative", ((b"Content-Length", b"-1"),)),
    ("Content-Length twice", ((b"Content-Length", b"0"), (b"Content-Length", b"2"))),
    ("Origin null", ((b"Origin", b"null"),)),
]
hostile_headers = st.sampled_from(HOSTILE_HEADERS)

CONTENT_TYPES: list[bytes | None] = [
    None,
    b"text/plain",
    b"application/x-www-form-urlencoded",
    b"multipart/form-data; boundary=x",
    b"application/json; charset=utf-16",
    b"application/JSON",
    b"\xff\xfe",
    b"a" * 5_000,
]

RAW_BODIES: list[tuple[str, bytes]] = [
    ("empty body", b""),
    ("not JSON", b"hello"),
    ("truncated JSON", b'{"sender": "fuzz", "message": "hi'),
    ("JSON array", b"[]"),
    ("JSON array of objects", b'[{"sender": "fuzz", "message": "hi"}]'),
    ("JSON string", b'"hi"'),
    ("JSON null", b"null"),
    ("JSON number 1e999", b"1e999"),
    ("JSON true", b"true"),
    ("invalid UTF-8", b'{"sender": "fuzz", "message": "\xff\xfe"}'),
    ("UTF-16 with a BOM", '{"sender": "fuzz", "message": "hi"}'.encode("utf-16")),
    ("UTF-8 BOM", b'\xef\xbb\xbf{"sender": "fuzz", "message": "hi"}'),
    ("duplicate keys", b'{"sender": "a", "sender": "b", "message": "hi", "message": 1}'),
    ("NaN value", b'{"sender": "fuzz", "message": NaN}'),
    ("trailing garbage", b'{"sender": "fuzz", "message": "hi"} x'),
    ("100,000-level nesting", b"[" * 100_000 + b"]" * 100_000),
    ("raw NUL bytes", b"\x00" * 1_000),
]


def big_bodies() -> list[tuple[str, bytes]]:
    """2 MB and 12 MB: the bulk is in a field no channel should read (metadata), or not JSON at all,
    so a server that accepts them spends memory on the bytes rather than on DIET."""
    pad_2mb = encode({"sender": f"fuzz-{secrets.token_hex(6)}", "message": "hi", "metadata": {"pad": "a" * 2_000_000}})
    return [("2 MB JSON (metadata)", pad_2mb), ("12 MB not JSON", b"a" * 12_000_000)]
