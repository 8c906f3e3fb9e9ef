"""The fuzz tests' requests for the web widget's socket.io (tests/e2e/fuzzing.py sends them): the
CONNECT with its token, and the events after a valid one; per target a hypothesis strategy and the
named probes sent every run."""

from __future__ import annotations

from hypothesis import strategies as st

from tests.e2e.fuzz_probes import Probe, socketio_frame
from tests.e2e.fuzz_values import (
    any_json,
    describe,
    describe_fields,
    field_value,
    hostile_text,
    long_words,
    small_text,
    widget_tokens,
)
from tests.e2e.fuzz_wire import Header, encode


@st.composite
def widget_connect_probes(draw: st.DrawFn, secret: str) -> Probe:
    """A socket.io CONNECT whose auth payload is anything but a valid token (or one next to junk)."""
    kind = draw(st.sampled_from(["token", "token", "token", "auth", "frame", "handshake"]))
    if kind == "token":
        label, token, refuse = draw(st.sampled_from(widget_tokens(secret)))
        extra = draw(st.dictionaries(small_text, any_json, max_size=2))
        return Probe(f"token {label}", frames=("40" + encode({"token": token, **extra}).decode(),), must_refuse=refuse)
    if kind == "auth":
        auth = draw(st.one_of(any_json, st.fixed_dictionaries({"token": field_value(st.just("x"))})))
        connect = "40" + encode(auth).decode()
        # Digits after "40" are an ack id in socket.io: "404.2e+16" is not a CONNECT with a number,
        # it is a broken packet, and closing the connection is a right answer to it.
        return Probe(f"auth {describe(auth)}", frames=(connect,), must_refuse=True, may_close=connect[2:3].isdigit())
    if kind == "frame":
        shape, frame = draw(st.sampled_from(RAW_FRAMES))
        return Probe(shape, frames=(frame,), must_refuse=True, may_close=True)
    shape, query, headers = draw(st.sampled_from(HANDSHAKES))
    frame = "40" + encode({"token": "x"}).decode()
    return Probe(shape, query=query, headers=headers, frames=(frame,), must_refuse=True)


RAW_FRAMES: list[tuple[str, str | bytes]] = [
    ("frame '40{'", "40{"),
    ("frame '4'", "4"),
    ("frame '40/admin,{}'", "40/admin,{}"),
    ("frame '41'", "41"),
    ("frame '99'", "99"),
    ("frame empty", ""),
    ("frame 2 MB", "40" + encode({"token": "a" * 2_000_000}).decode()),
    ("binary frame", b"\x04\xff\x00garbage"),
    ("text frame of invalid UTF-8", b"40{\xff\xfe}"),
    ("frame of 1,000 '4's", "4" * 1_000),
    ("event before connect", socketio_frame("user_uttered", {"message": "hi"})),
]
HANDSHAKES: list[tuple[str, bytes, tuple[Header, ...]]] = [
    ("handshake EIO=3", b"EIO=3&transport=websocket", ()),
    ("handshake EIO=x", b"EIO=x&transport=websocket", ()),
    ("handshake transport=polling", b"EIO=4&transport=polling", ()),
    ("handshake bogus sid", b"EIO=4&transport=websocket&sid=bogus", ()),
    ("handshake query lone surrogate", b"EIO=4&transport=websocket&x=%ED%BF%BF", ()),
    ("handshake from another site", b"EIO=4&transport=websocket", ((b"Origin", b"http://evil.example"),)),
    ("handshake Origin null", b"EIO=4&transport=websocket", ((b"Origin", b"null"),)),
]


@st.composite
def widget_event_probes(draw: st.DrawFn) -> Probe:
    """Frames after a valid connect: user_uttered with hostile data, other events, broken frames."""
    kind = draw(st.sampled_from(["message", "message", "message", "data", "event", "frame"]))
    if kind == "message":
        message = draw(hostile_text)
        extra = draw(st.dictionaries(st.sampled_from(["metadata", "sender", "session_id", "customData"]), any_json))
        words = any(c.isalnum() for c in message)
        return Probe(
            f"user_uttered message: {describe(message)}" + (f" + {sorted(extra)}" if extra else ""),
            frames=(socketio_frame("user_uttered", {"message": message, **extra}),),
            expects_reply=words,
        )
    if kind == "data":
        data = draw(st.one_of(any_json, st.fixed_dictionaries({"message": any_json})))
        said = data.get("message") if isinstance(data, dict) else None
        words = isinstance(said, str) and any(c.isalnum() for c in said)
        shape = "user_uttered " + (describe_fields(data) if isinstance(data, dict) else f"data: {describe(data)}")
        return Probe(shape, frames=(socketio_frame("user_uttered", data),), expects_reply=words)
    if kind == "event":
        names = st.sampled_from(["session", "connect", "disconnect", "message", "bot_uttered"])
        name = draw(st.one_of(names, small_text))
        data = draw(any_json)
        return Probe(f"event {describe(name)}: {describe(data)}", frames=(socketio_frame(name, data, ack=7),))
    shape, frame = draw(st.sampled_from(EVENT_FRAMES))
    return Probe(shape, frames=(frame,), may_close=True)


EVENT_FRAMES: list[tuple[str, str | bytes]] = [
    ("frame '42'", "42"),
    ("frame '42['", "42["),
    ("frame '42{}'", "42{}"),
    ("frame '42[]'", "42[]"),
    ("frame '42[1]'", "42[1]"),
    ("frame '42[null]'", "42[null]"),
    ("frame '43[]' (an ack never asked for)", "4399[]"),
    ("frame '42/other,[\"x\"]'", '42/other,["x"]'),
    ("event with a lone surrogate in its name", '42["user_uttered\\udfff", {"message": "hi"}]'),
    ("binary event frame", b"\x04garbage"),
    ("text frame of invalid UTF-8", b'42["user_uttered", {"message": "\xff"}]'),
    ("user_uttered 2 MB", socketio_frame("user_uttered", {"message": "hi", "pad": "a" * 2_000_000})),
    ("engine.io ping from the client", "2"),
    ("engine.io upgrade again", "5"),
    ("engine.io close", "1"),
]


def connect_named(secret: str) -> tuple[Probe, ...]:
    tokens = [
        Probe(f"token {label}", frames=("40" + encode({"token": token}).decode(),), must_refuse=refuse)
        for label, token, refuse in widget_tokens(secret)
    ]
    return (
        *tokens,
        Probe("token lone surrogate", frames=('40{"token": "\\udfff"}',), must_refuse=True),
        Probe("auth 4.2e+16", frames=("404.2e+16",), must_refuse=True, may_close=True),
        Probe("frame empty", frames=("",), must_refuse=True, may_close=True),
    )


def event_named() -> tuple[Probe, ...]:
    messages = {"lone surrogate": "hi \udfff", "20,000 chars of words": long_words(), "NUL and RTL": "a\x00\u202eb"}
    return tuple(
        Probe(f"message: {label}", frames=(socketio_frame("user_uttered", {"message": text}),), expects_reply=True)
        for label, text in messages.items()
    )
