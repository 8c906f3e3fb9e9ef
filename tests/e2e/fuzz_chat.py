"""The fuzz tests' requests for the REST and Teams channels (tests/e2e/fuzzing.py sends them): per
target a hypothesis strategy built from the hostile values of tests/e2e/fuzz_values.py, the named
probes (the review's findings and edge cases) sent every run, and the forged Teams credentials."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import strategies as st

from tests.channels.fake_botframework import FakeBotFramework, new_key
from tests.e2e.fuzz_probes import DELETE, Probe
from tests.e2e.fuzz_values import (
    CONTENT_TYPES,
    RAW_BODIES,
    Forgeries,
    any_json,
    big_bodies,
    describe,
    describe_fields,
    field_value,
    forged_bearers,
    hostile_headers,
    hostile_text,
    long_words,
    small_text,
)
from tests.e2e.fuzz_wire import encode, jwt_raw

# --- REST ---------------------------------------------------------------------------------------


@st.composite
def rest_probes(draw: st.DrawFn, forged: Forgeries | None) -> Probe:
    """A body for the REST channel; under a ``forged`` Authorization header when given."""
    kind = draw(st.sampled_from(["fields", "fields", "fields", "raw", "content type", "headers"]))
    sender = st.uuids().map(lambda u: f"fuzz-{u.hex[:12]}")
    message = st.sampled_from(["hi", "I forgot my password", "printer", "thanks", "raise a ticket", "no"])
    body: dict[str, Any] = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "sender": field_value(sender),
                "message": field_value(message),
                "metadata": any_json,
                "input_channel": st.sampled_from(["webchat", "teams", "socketio"]) | small_text,
            },
        )
    )
    probe = Probe(describe_fields(body), encode(body))
    if kind == "raw":
        shape, raw = draw(st.sampled_from(RAW_BODIES))
        probe = Probe(shape, raw)
    elif kind == "content type":
        ctype = draw(st.sampled_from(CONTENT_TYPES))
        body = {"sender": draw(sender), "message": "hi"}
        probe = Probe(f"Content-Type {ctype!r:.40}", encode(body), content_type=ctype)
    elif kind == "headers":
        label, headers = draw(hostile_headers)
        probe = replace(probe, shape=f"{label}, {probe.shape}", headers=headers)
    if forged:
        label, auth = draw(st.sampled_from(forged))
        probe = replace(probe, shape=f"{label}; {probe.shape}", anonymous=True, auth=auth, must_refuse=True)
    return probe


def rest_named(forged: Forgeries | None) -> tuple[Probe, ...]:
    fixed = [
        Probe("sender: lone surrogate", rb'{"sender": "x\udfff", "message": "hi"}'),
        Probe("sender: NUL", rb'{"sender": "x\u0000y", "message": "hi"}'),
        Probe("message: lone surrogate", rb'{"sender": "fuzz-surrogate", "message": "hi \udfff there"}'),
        Probe("message: RTL override and BEL", rb'{"sender": "fuzz-rtl", "message": "\u202e\u0007 hi"}'),
        Probe("Host: [", rb'{"sender": "fuzz-host", "message": "hi"}', headers=((b"Host", b"["),)),
        Probe(
            "input_channel and identity forged",
            encode(
                {
                    "sender": "fuzz-forger",
                    "message": "raise a ticket",
                    "input_channel": "webchat",
                    "metadata": {"askit_identity": {"id": "victim", "email": "victim@riverside.example"}},
                }
            ),
        ),
        Probe("message: 20,000 chars of words", encode({"sender": "fuzz-long", "message": long_words()})),
        *(Probe(shape, raw) for shape, raw in RAW_BODIES),
        *(Probe(shape, raw) for shape, raw in big_bodies()),
    ]
    if not forged:
        return tuple(fixed)
    # Each forgery on an ordinary message, then each hostile body with no token at all (not the
    # long message: an old server would spend gigabytes on it a second time).
    hello = encode({"sender": "fuzz-stranger", "message": "raise a ticket"})
    return tuple(
        [Probe(label, hello, anonymous=True, auth=auth, must_refuse=True) for label, auth in forged]
        + [
            replace(p, shape=f"no Authorization; {p.shape}", anonymous=True, must_refuse=True)
            for p in fixed
            if "20,000" not in p.shape
        ]
    )


# --- Teams ---------------------------------------------------------------------------------------

TEAMS_FIELDS = [
    "text", "value", "type", "from", "from.id", "from.aadObjectId", "from.name", "conversation", "conversation.id",
    "conversation.tenantId", "recipient", "recipient.id", "channelData", "channelData.tenant.id", "id", "timestamp",
    "locale", "entities", "attachments", "membersAdded", "textFormat", "serviceUrl", "channelId", "replyToId",
]  # fmt: skip
ACTIVITY_TYPES = ["message", "conversationUpdate", "invoke", "messageReaction", "typing", "event", "", "MESSAGE"]


@st.composite
def teams_probes(draw: st.DrawFn, forged: Forgeries | None) -> Probe:
    """An activity with one to three fields replaced by hostile values (or removed); sometimes a
    raw body instead. Signed by the fake Bot Framework, or under a ``forged`` header when given."""
    if draw(st.integers(0, 5)) == 0:
        shape, raw = draw(st.sampled_from(RAW_BODIES))
        probe = Probe(shape, raw)
    else:
        paths = draw(st.lists(st.sampled_from(TEAMS_FIELDS), min_size=1, max_size=3, unique=True))
        values = {
            "type": st.sampled_from(ACTIVITY_TYPES) | field_value(st.just("message")),
            "text": st.one_of(hostile_text, st.sampled_from(["hi", "I forgot my password", "<at>AskIT</at> vpn"])),
        }
        mutations = tuple((p, draw(values.get(p, st.one_of(hostile_text, any_json, st.just(DELETE))))) for p in paths)
        text = dict(mutations).get("text", "hi")
        words = isinstance(text, str) and any(c.isalnum() for c in text)
        untouched = not {p.split(".")[0] for p in paths} & {"type", "from", "conversation", "recipient", "serviceUrl",
                                                               "channelId", "channelData", "value"}  # fmt: skip
        shape = "; ".join(f"{p}: {'deleted' if v is DELETE else describe(v)}" for p, v in mutations)
        probe = Probe(shape, mutations=mutations, expects_reply=words and untouched)
    if forged:
        label, auth = draw(st.sampled_from(forged))
        probe = replace(probe, shape=f"{label}; {probe.shape}", anonymous=True, auth=auth, must_refuse=True,
                        expects_reply=False)  # fmt: skip
    return probe


def teams_forgeries(bf: FakeBotFramework) -> Forgeries:
    """Authorization headers a stranger could send to the Teams webhook."""
    impostor = new_key()
    impostor.kid = bf.keys[0].kid
    key = bf.keys[-1]
    pem = key.private.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    now = int(time.time())
    claims = {"serviceurl": bf.service_url, "iss": "https://api.botframework.com", "aud": bf.app_id,
              "nbf": now - 5, "exp": now + 3600}  # fmt: skip
    tokens = [
        ("signed by an impostor key with a known kid", bf.token(key=impostor)),
        ("alg none", jwt_raw({"alg": "none", "kid": key.kid}, claims, None)),
        ("HS256 keyed with the public key", jwt_raw({"alg": "HS256", "kid": key.kid}, claims, pem)),
        ("expired", bf.token(exp=now - 3600, nbf=now - 7200)),
        ("another audience", bf.token(aud="another-bot")),
        ("another serviceUrl", bf.token(service_url="https://evil.example/")),
        ("unknown kid, a lone surrogate", jwt_raw({"alg": "RS256", "kid": "\udfff"}, claims, b"x")),
    ]
    bearer = [(label, b"Bearer " + token.encode()) for label, token in tokens]
    return Forgeries([*bearer, *forged_bearers(bf.token())])


def teams_named(forged: Forgeries | None) -> tuple[Probe, ...]:
    probes = [
        Probe("text: lone surrogate", mutations=(("text", "hi \udfff"),), expects_reply=True),
        Probe("text: 20,000 chars of words", mutations=(("text", long_words()),), expects_reply=True),
        Probe("text: NUL and RTL override", mutations=(("text", "vpn\x00\u202e down"),), expects_reply=True),
        Probe("from.id: lone surrogate", mutations=(("from.id", "29:\udfff"),)),
        Probe("conversation.id: path traversal", mutations=(("conversation.id", "../../x/%2f"),)),
        Probe("conversation.id: lone surrogate", mutations=(("conversation.id", "a:1\udfff"),)),
        *(Probe(shape, raw) for shape, raw in [*RAW_BODIES, *big_bodies()]),
    ]
    if not forged:
        return tuple(probes)
    # Each forgery on an ordinary message, then the hostile bodies with no token at all.
    return tuple(
        [Probe(label, anonymous=True, auth=auth, must_refuse=True) for label, auth in forged]
        + [
            replace(p, shape=f"no Authorization; {p.shape}", anonymous=True, must_refuse=True, expects_reply=False)
            for p in probes
            if "20,000" not in p.shape
        ]
    )
