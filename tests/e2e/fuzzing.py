"""Hostile requests for every public endpoint of a running stack, in one place for the fuzz tests
(tests/e2e/test_fuzz.py: a fixed seed, a few hundred) and the fuzz benchmark (benchmarks/fuzz.py:
10,000 and more): one hypothesis strategy per target for what it is sent (built from the hostile
values of tests/e2e/fuzz_values.py), and one sender per target that sends a ``Probe`` over loopback
(tests/e2e/fuzz_wire.py) and returns a ``Reply`` (status, elapsed, outcome); then what counts as a
failure, and a report of the distinct ones.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import requests
import yaml
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from bot.action_server import ACTION_TOKEN_SETTING, authorization
from bot.channels.articles import ARTICLES_PATH
from bot.launcher import ROOT, Stack
from tests.channels.fake_botframework import NORTHBROOK_AAD, FakeBotFramework, new_key
from tests.e2e.conftest import REST_TOKEN_SETTING, Chat, running_chat
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
    widget_tokens,
)
from tests.e2e.fuzz_wire import (
    REQUEST_TIMEOUT,
    Header,
    Raw,
    Reply,
    Socket,
    encode,
    http,
    jwt_raw,
    percent,
)
from tests.e2e.server_watch import SERVERS, ServerWatch

REST_PATH = "/webhooks/rest/webhook"
TEAMS_PATH = "/webhooks/teams/webhook"
DEV_TOKEN_PATH = "/webhooks/webchat/dev-token"
REPLY_TIMEOUT = 20.0  # for the bot's answer in the widget or Teams: a turn takes a second or two
TEAMS_SETTLE = 1.0  # for a Teams turn that owes no reply to show it ran
EXIT_WAIT = 3.0  # for a server that dropped a connection to be seen stopped, if it is stopping
HEALTH_TIMEOUT = 10.0  # for a health check after a request that got no answer
PROTOCOL_TIMEOUT = 5.0  # for a socket.io answer that needs no turn (an ack)
# Outcomes with no answer at all: failures, unless the probe broke the protocol (then closing is right).
BROKEN = ("timeout", "connection reset", "connection refused", "bad response", "closed", "no reply", "no answer")
IGNORING = ("closed", "connection reset", "no answer")  # what a socket may do with a frame that breaks the protocol

# --- probes and targets -----------------------------------------------------------------------


@dataclass(frozen=True)
class Probe:
    """One hostile request. Which fields a target reads depends on the target."""

    shape: str  # what is hostile about it, for the report
    body: bytes | None = None  # None: the target's ordinary body (Teams: a fresh activity), or none
    method: str = "POST"
    path: bytes = b""  # after the target's own path
    query: bytes = b""
    headers: tuple[Header, ...] = ()
    content_type: bytes | None = b"application/json"
    anonymous: bool = False  # send ``auth`` (None: no header) instead of the target's right credentials
    auth: bytes | None = None
    frames: tuple[str | bytes, ...] = ()  # socket.io: text (str) or binary frames after the handshake
    mutations: tuple[tuple[str, Any], ...] = ()  # Teams: activity fields to replace (DELETE: remove)
    must_refuse: bool = False  # no valid credentials: a 2xx (or a socket.io connect) lets a stranger in
    may_close: bool = False  # the frame breaks the protocol: closing the socket, or ignoring it, is right
    expects_reply: bool = False  # a message with words in it: the user must hear something back


DELETE = Raw("<deleted>")  # a Teams mutation that removes the field


def failure(probe: Probe, reply: Reply) -> str | None:
    """What is wrong with ``reply`` to ``probe``, by the issue's rules; None when nothing is."""
    if reply.status >= 500 and reply.status != 503:
        return f"HTTP {reply.status}"
    if reply.outcome in BROKEN and not (probe.may_close and reply.outcome in IGNORING):
        return reply.outcome
    # A websocket upgrade refused with 200 is engine.io's polling handshake, not a socket.io connect.
    accepted = reply.outcome == "connected" or (200 <= reply.status < 300 and reply.outcome != "handshake refused")
    if probe.must_refuse and accepted:
        return f"accepted without valid credentials ({reply.status or reply.outcome})"
    return None


@dataclass(frozen=True)
class Target:
    name: str
    probes: st.SearchStrategy[Probe]  # generated
    named: tuple[Probe, ...]  # the review's findings and edge cases, sent every run before the generated
    send: Callable[[Probe], Reply]


def draw(strategy: st.SearchStrategy[Probe], count: int, seed: int | None = None) -> list[Probe]:
    """``count`` values of ``strategy`` (fewer if it has no more): the same every run when ``seed``
    is None (hypothesis's derandomize), else those of ``seed``."""
    drawn: list[Probe] = []

    @settings(
        max_examples=count,
        derandomize=seed is None,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(probe: Probe) -> None:
        drawn.append(probe)

    (collect if seed is None else hypothesis_seed(seed)(collect))()
    return drawn


# --- the targets ------------------------------------------------------------------------------


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
        Probe("input_channel and identity forged", encode({
            "sender": "fuzz-forger", "message": "raise a ticket", "input_channel": "webchat",
            "metadata": {"askit_identity": {"id": "victim", "email": "victim@riverside.example"}},
        })),
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


def set_path(activity: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    here: Any = activity
    for key in parents:
        if not isinstance(here.get(key), dict):
            here[key] = {}
        here = here[key]
    if value is DELETE:
        here.pop(last, None)
    else:
        here[last] = value


def socketio_frame(event: Any, data: Any = None, ack: int | None = None) -> str:
    return f"42{'' if ack is None else ack}" + encode([event] if data is None else [event, data]).decode()


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
        return Probe(f"auth {describe(auth)}", frames=("40" + encode(auth).decode(),), must_refuse=True)
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

ARTICLE_NAMES = [
    "password-reset", "vpn-connect", "walk-in-support-riverside", "PASSWORD-RESET", "password-reset%0a",
    "password-reset%00", "password-reset.json.json", "..%2f..%2fcredentials.yml", "..%2F..%2F..%2Fetc%2Fpasswd",
    "%2e%2e%2f%2e%2e%2fbot%2flauncher.py", "..\\..\\credentials.yml", "%ED%BF%BF", "%FF%FE", "%", "%zz", ";", ".",
    "..", "password-reset;x=1", "a" * 1_000, "a" * 10_000, "a" * 100_000, "%C0%AE%C0%AE%2f",
]  # fmt: skip


@st.composite
def article_probes(draw: st.DrawFn) -> Probe:
    name = draw(st.one_of(st.sampled_from(ARTICLE_NAMES).map(str.encode), hostile_text.map(percent)))
    suffix = draw(st.sampled_from([b"", b"", b".json", b"/", b"/x"]))
    method = draw(st.sampled_from(["GET", "GET", "GET", "HEAD", "POST", "OPTIONS", "DELETE", "TRACE", "FOO", "get"]))
    query = draw(st.sampled_from([b"", b"", b"x=%ED%BF%BF", b"a=" + b"b" * 5_000, b"%%%", b"q=1&q=2&q[]=3"]))
    label, headers = draw(st.one_of(st.just(("", ())), hostile_headers))
    # OPTIONS is a CORS preflight, which the CORS layer may answer for any path.
    traversal = (b".." in name or b"%2e" in name.lower()) and method != "OPTIONS"
    shape = f"{method} article {name[:40]!r}{suffix.decode()}" + (f" ?{query[:20]!r}" if query else "")
    return Probe(
        shape + (f", {label}" if label else ""), method=method, path=name + suffix, query=query, headers=headers,
        content_type=None, must_refuse=traversal,
    )


@st.composite
def dev_token_probes(draw: st.DrawFn) -> Probe:
    user = draw(st.one_of(st.sampled_from(["abcdef", "abc123xyz", "ABCDEF", "a" * 33, "a" * 10_000]), hostile_text))
    queries = [b"user=" + percent(user), b"user=" + percent(user) + b"&user=abcdef", b"user[]=abcdef", b"", b"user",
               b"user=%ED%BF%BF", b"user=%FF", b"user=%", b"&&&="]  # fmt: skip
    query = draw(st.sampled_from(queries))
    method = draw(st.sampled_from(["GET", "GET", "GET", "POST", "HEAD", "PUT"]))
    label, headers = draw(st.one_of(st.just(("", ())), hostile_headers))
    return Probe(
        f"{method} dev-token user: {describe(user)}" + (f", {label}" if label else ""),
        method=method, query=query, headers=headers, content_type=None,
    )


@lru_cache(maxsize=1)
def domain_actions() -> list[str]:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    return [str(a) for a in domain.get("actions", [])]


def action_call(action: str, text: Any, sender: str = "fuzz-action") -> dict[str, Any]:
    """What the Rasa server posts to the action server to run ``action`` after the user said ``text``."""
    parse = {"text": text, "intent": {"name": "ask_question", "confidence": 1.0}, "entities": [], "intent_ranking": []}
    return {
        "next_action": action,
        "sender_id": sender,
        "tracker": {
            "sender_id": sender,
            "slots": {},
            "latest_message": parse,
            "latest_event_time": time.time(),
            "followup_action": None,
            "paused": False,
            "events": [
                {"event": "action", "name": "action_listen"},
                {"event": "user", "text": text, "parse_data": parse},
            ],
            "latest_input_channel": "rest",
            "active_loop": {},
            "latest_action": {"action_name": "action_listen"},
            "latest_action_name": "action_listen",
        },
        "domain": {"slots": {}, "responses": {}, "intents": ["ask_question"], "entities": [], "forms": {}},
        "version": "3.6.21",
    }


ACTION_CALL_FIELDS = [
    "next_action", "sender_id", "tracker", "tracker.sender_id", "tracker.slots", "tracker.latest_message",
    "tracker.latest_message.metadata", "tracker.events", "tracker.active_loop", "domain", "domain.slots", "version",
]  # fmt: skip
ACTION_PATHS = [b"/webhook", b"/actions", b"/health", b"/", b"/metrics", b"/docs", b"/webhook/..%2f..%2fetc%2fpasswd",
                b"/%ED%BF%BF", b"/" + b"a" * 10_000, b"/webhook?x=%FF"]  # fmt: skip


@st.composite
def action_probes(draw: st.DrawFn, forged: Forgeries | None) -> Probe:
    """A call to the action server: a real action on a tracker with a hostile message or fields, a
    raw body, or another URL; under a ``forged`` Authorization header when given."""
    kind = draw(st.sampled_from(["text", "text", "fields", "raw", "url"]))
    action = draw(st.sampled_from(domain_actions()))
    if kind in ("text", "fields"):
        call = action_call(action, draw(hostile_text) if kind == "text" else "hi")
        shape = f"{action}, text: {describe(call['tracker']['latest_message']['text'])}"
        if kind == "fields":
            paths = draw(st.lists(st.sampled_from(ACTION_CALL_FIELDS), min_size=1, max_size=3, unique=True))
            for name in paths:
                value = draw(field_value(st.just(action)))
                set_path(call, name, value)
                shape += f"; {name}: {describe(value)}"
        probe = Probe(shape, encode(call), path=b"/webhook")
    elif kind == "raw":
        shape, raw = draw(st.sampled_from(RAW_BODIES))
        probe = Probe(shape, raw, path=b"/webhook")
    else:
        path = draw(st.sampled_from(ACTION_PATHS))
        method = draw(st.sampled_from(["GET", "POST", "PUT", "DELETE", "OPTIONS"]))
        probe = Probe(f"{method} {path[:40]!r}", method=method, path=path, content_type=None)
    if draw(st.integers(0, 4)) == 0:
        label, headers = draw(hostile_headers)
        probe = replace(probe, shape=f"{label}, {probe.shape}", headers=headers)
    if forged:
        label, auth = draw(st.sampled_from(forged))
        # /health is open; OPTIONS and HEAD run nothing (a CORS layer may answer them itself).
        acts = probe.path != b"/health" and probe.method not in ("OPTIONS", "HEAD")
        probe = replace(probe, shape=f"{label}; {probe.shape}", anonymous=True, auth=auth, must_refuse=acts)
    return probe


RASA_PATHS = [
    b"/", b"/version", b"/status", b"/conversations/x/tracker", b"/conversations/%ED%BF%BF/tracker",
    b"/conversations/" + b"a" * 10_000 + b"/tracker", b"/conversations/..%2f..%2f/tracker", b"/model/parse",
    b"/model", b"/webhooks/rest/", b"/webhooks/teams/", b"/webhooks/%ED%BF%BF/webhook", b"/webhooks/socketio/webhook",
    b"/webhooks/webchat/..%2f..%2fcredentials.yml", b"/webhooks/webchat/askit-widget.js%00.txt",
    b"/webhooks/webchat/vendor/..%2f..%2f..%2fbot%2flauncher.py", b"/socket.io/",
    b"/socket.io/?EIO=4&transport=polling",
    b"/socket.io/?EIO=4&transport=polling&sid=bogus", b"/socket.io/?EIO=999", b"/%FF", b"/" + b"a" * 100_000,
]  # fmt: skip


@st.composite
def rasa_probes(draw: st.DrawFn) -> Probe:
    """The Rasa server's other URLs: its HTTP API without the token, unknown paths, socket.io polling."""
    path = draw(st.sampled_from(RASA_PATHS))
    method = draw(st.sampled_from(["GET", "GET", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"]))
    query = draw(st.sampled_from([b"", b"token=wrong", b"token=%ED%BF%BF", b"token=" + b"t" * 5_000]))
    body = draw(st.one_of(st.just(b""), any_json.map(encode), st.sampled_from([raw for _, raw in RAW_BODIES])))
    label, headers = draw(st.one_of(st.just(("", ())), st.just(("", ())), hostile_headers))
    api = path.startswith((b"/conversations", b"/model", b"/status")) and method not in ("OPTIONS", "HEAD")
    return Probe(
        f"{method} {path[:40]!r}" + (f" ?{query[:16]!r}" if query else "") + (f", {label}" if label else ""),
        body=body, method=method, path=path, query=query, headers=headers, must_refuse=api,
    )


# --- the running stack --------------------------------------------------------------------------


@dataclass
class Fuzz:
    """A running stack with the Teams channel (against ``bf``) and development mode on, and the
    targets that fuzz it."""

    chat: Chat
    bf: FakeBotFramework
    rest_token: str = field(init=False)
    action_token: str = field(init=False)
    targets: dict[str, Target] = field(init=False)

    def __post_init__(self) -> None:
        env = self.chat.stack.env()
        self.rest_token = env.get(REST_TOKEN_SETTING, "")
        self.action_token = env.get(ACTION_TOKEN_SETTING, "")
        rest_forged = forged_bearers(self.rest_token)
        teams_forged = self.teams_forgeries()
        action_forged = forged_bearers(self.action_token)
        secret = self.chat.widget_secret
        targets = [
            Target("REST", rest_probes(None), rest_named(None), self.send_rest),
            Target("REST without the token", rest_probes(rest_forged), rest_named(rest_forged), self.send_rest),
            Target("Teams, signed", teams_probes(None), self.teams_named(None), self.send_teams),
            Target("Teams, not signed", teams_probes(teams_forged), self.teams_named(teams_forged), self.send_teams),
            Target("widget connect", widget_connect_probes(secret), self.connect_named(), self.send_connect),
            Target("widget events", widget_event_probes(), self.event_named(), self.send_events),
            Target("article pages", article_probes(), (), self.send_article),
            Target("dev token", dev_token_probes(), (), self.send_dev_token),
            Target("action server", action_probes(None), self.action_named(), self.send_action),
            Target("action server without the token", action_probes(action_forged), (), self.send_action),
            Target("Rasa server, other URLs", rasa_probes(), (), self.send_rasa),
        ]
        self.targets = {t.name: t for t in targets}

    # --- named probes: the review's findings and the edge cases, sent every run
    def teams_forgeries(self) -> Forgeries:
        """Authorization headers a stranger could send to the Teams webhook."""
        impostor = new_key()
        impostor.kid = self.bf.keys[0].kid
        key = self.bf.keys[-1]
        pem = key.private.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
        now = int(time.time())
        claims = {"serviceurl": self.bf.service_url, "iss": "https://api.botframework.com", "aud": self.bf.app_id,
                  "nbf": now - 5, "exp": now + 3600}  # fmt: skip
        tokens = [
            ("signed by an impostor key with a known kid", self.bf.token(key=impostor)),
            ("alg none", jwt_raw({"alg": "none", "kid": key.kid}, claims, None)),
            ("HS256 keyed with the public key", jwt_raw({"alg": "HS256", "kid": key.kid}, claims, pem)),
            ("expired", self.bf.token(exp=now - 3600, nbf=now - 7200)),
            ("another audience", self.bf.token(aud="another-bot")),
            ("another serviceUrl", self.bf.token(service_url="https://evil.example/")),
            ("unknown kid, a lone surrogate", jwt_raw({"alg": "RS256", "kid": "\udfff"}, claims, b"x")),
        ]
        bearer = [(label, b"Bearer " + token.encode()) for label, token in tokens]
        return Forgeries([*bearer, *forged_bearers(self.bf.token())])

    def teams_named(self, forged: Forgeries | None) -> tuple[Probe, ...]:
        probes = [
            Probe("text: lone surrogate", mutations=(("text", "hi \udfff"),), expects_reply=True),
            Probe("text: 20,000 chars of words", mutations=(("text", long_words()),), expects_reply=True),
            Probe("text: NUL and RTL override", mutations=(("text", "vpn\x00\u202e down"),), expects_reply=True),
            Probe("from.id: lone surrogate", mutations=(("from.id", "29:\udfff"),)),
            Probe("conversation.id: path traversal", mutations=(("conversation.id", "../../x/%2f"),)),
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

    def connect_named(self) -> tuple[Probe, ...]:
        return tuple(
            Probe(f"token {label}", frames=("40" + encode({"token": token}).decode(),), must_refuse=refuse)
            for label, token, refuse in widget_tokens(self.chat.widget_secret)
        )

    def event_named(self) -> tuple[Probe, ...]:
        messages = {"lone surrogate": "hi \udfff", "20,000 chars of words": long_words(), "NUL and RTL": "a\x00\u202eb"}
        return tuple(
            Probe(f"message: {label}", frames=(socketio_frame("user_uttered", {"message": text}),), expects_reply=True)
            for label, text in messages.items()
        )

    def action_named(self) -> tuple[Probe, ...]:
        return tuple(
            Probe(f"{action}, text: {describe(text)}", encode(action_call(action, text)), path=b"/webhook")
            for action in ("action_answer_question", "action_create_ticket", "action_ticket_status")
            for text in ("hi \udfff there", long_words(), "\x00" * 100)
        )

    def down(self, wait: float = EXIT_WAIT) -> str | None:
        """Why a server cannot serve any more: it stopped, or it no longer answers its health
        check (a busy loop holding its event loop, say). None while both answer. ``wait`` is for
        a server that dropped a connection: it is gone a moment later, if it is dying (0: only
        look whether one has stopped)."""
        stack = self.chat.stack
        exited = stack.first_exited()
        if exited or wait == 0:
            return f"the {exited} stopped" if exited else None
        checks = (("rasa server", stack.rasa_port, b"/"), ("action server", stack.action_port, b"/health"))
        silent = [name for name, port, path in checks if http(port, "GET", path, (), b"", HEALTH_TIMEOUT).status != 200]
        if not silent:
            return None
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            exited = stack.first_exited()
            if exited:
                return f"the {exited} stopped"
            time.sleep(0.1)
        return f"the {silent[0]} stopped answering"

    # --- senders: one request each
    def _http(self, port: int, probe: Probe, path: bytes, credentials: Mapping[str, str]) -> Reply:
        headers = list(probe.headers)
        if probe.content_type is not None:
            headers.append((b"Content-Type", probe.content_type))
        if not probe.anonymous:
            headers += [(k.encode(), v.encode()) for k, v in credentials.items()]
        elif probe.auth is not None:
            headers.append((b"Authorization", probe.auth))
        target = path + probe.path + (b"?" + probe.query if probe.query else b"")
        answer = http(port, probe.method, target, headers, probe.body or b"")
        return Reply(answer.status, answer.elapsed, answer.outcome)

    def send_rest(self, probe: Probe) -> Reply:
        bearer = {"Authorization": f"Bearer {self.rest_token}"}
        return self._http(self.chat.stack.rasa_port, probe, REST_PATH.encode(), bearer)

    def send_teams(self, probe: Probe) -> Reply:
        """A fresh user's activity (``probe.mutations`` applied) unless the probe brings its own
        body; when the bot must answer, wait until its reply reaches the connector."""
        user = self.bf.add_user("Fuzz User", f"fuzz.{secrets.token_hex(4)}@northbrook.example")
        activity = self.bf.activity(user, "I forgot my password", aad_tenant=NORTHBROOK_AAD)
        conversation = activity["conversation"]["id"]
        for path, value in probe.mutations:
            set_path(activity, path, value)
        if probe.body is None:
            probe = replace(probe, body=encode(activity))
        signed = {"Authorization": f"Bearer {self.bf.token()}"}
        sent_before = len(self.bf.sent)
        reply = self._http(self.chat.stack.rasa_port, probe, TEAMS_PATH.encode(), signed)
        if reply.status != 202:
            return reply
        if not probe.expects_reply:
            # The turn runs after the 202: give it a moment to say something (typing, or sorry), so
            # that what it logs is put down to this request rather than the next.
            deadline = time.monotonic() + TEAMS_SETTLE
            while len(self.bf.sent) == sent_before and time.monotonic() < deadline:
                time.sleep(0.02)
            return reply
        deadline = time.monotonic() + REPLY_TIMEOUT
        while not self.bf.replies(conversation):
            if time.monotonic() > deadline:
                return reply._replace(outcome="no reply")
            time.sleep(0.02)
        return reply._replace(outcome="answered")

    def send_article(self, probe: Probe) -> Reply:
        return self._http(self.chat.stack.rasa_port, probe, ARTICLES_PATH.encode(), {})

    def send_dev_token(self, probe: Probe) -> Reply:
        return self._http(self.chat.stack.rasa_port, probe, DEV_TOKEN_PATH.encode(), {})

    def send_action(self, probe: Probe) -> Reply:
        credentials = authorization(self.action_token) if self.action_token else {}
        return self._http(self.chat.stack.action_port, probe, b"", credentials)

    def send_rasa(self, probe: Probe) -> Reply:
        return self._http(self.chat.stack.rasa_port, probe, b"", {})

    def send_connect(self, probe: Probe) -> Reply:
        with Socket.open(self.chat.stack.rasa_port, probe.query, probe.headers) as sock:
            if sock.reply is not None:
                return sock.reply
            for frame in probe.frames:
                sock.send(frame)
            return sock.connect_answer()

    def send_events(self, probe: Probe) -> Reply:
        """Connect with a valid token (a new user each time: no rate limit between probes), send
        the frames, wait for the bot's answer when one is due, then check the socket still works."""
        token = self.chat.widget_token(f"fuzz-{secrets.token_hex(6)}")
        with Socket.open(self.chat.stack.rasa_port) as sock:
            if sock.reply is not None:
                return sock.reply
            sock.send("40" + encode({"token": token}).decode())
            connected = sock.connect_answer()
            if connected.outcome != "connected":
                return connected._replace(outcome=f"valid token {connected.outcome}")
            started = time.perf_counter()
            for frame in probe.frames:
                sock.send(frame)
            outcome = sock.wait_for('42["bot_uttered"', REPLY_TIMEOUT, "no reply") if probe.expects_reply else ""
            if outcome in ("", "answered"):  # and the socket still works: ask for the session, get an ack
                sock.send('4211["session"]')
                alive = sock.wait_for("4311[", PROTOCOL_TIMEOUT)
                outcome = outcome if alive == "answered" else alive
            return Reply(101, time.perf_counter() - started, outcome or "alive")


@contextmanager
def fuzz_stack(work: Path) -> Iterator[Fuzz]:
    """A stack to fuzz: the Teams channel against a fake Bot Framework, and development mode on, so
    the dev token endpoint is live."""
    work.mkdir(parents=True, exist_ok=True)
    bf = FakeBotFramework().start()
    try:
        credentials = bf.credentials_file(work / "credentials.yml")
        with running_chat(work, {"ASKIT_DEV_MODE": "1"}, credentials=credentials) as chat:
            yield Fuzz(chat, bf)
    finally:
        bf.stop()


def warm_up(fuzz: Fuzz) -> None:
    """Ordinary use of every target once, so memory after it is what a server in use holds."""
    for _ in range(2):
        ask_password(fuzz)
        fuzz.send_teams(Probe("warm-up", expects_reply=True, mutations=(("text", "I forgot my password"),)))
        fuzz.send_events(Probe("warm-up", frames=(socketio_frame("user_uttered", {"message": "vpn"}),),
                               expects_reply=True))  # fmt: skip
        fuzz.send_article(Probe("warm-up", method="GET", path=b"password-reset.json", content_type=None))
        fuzz.send_action(Probe("warm-up", encode(action_call("action_answer_question", "printer")), path=b"/webhook"))


def ask_password(fuzz: Fuzz) -> dict[str, Any]:
    """The custom payload of the answer to "I forgot my password", through the REST channel."""
    reply = requests.post(
        f"{fuzz.chat.stack.rasa_url}{REST_PATH}",
        json={"sender": f"fuzz-check-{secrets.token_hex(4)}", "message": "I forgot my password"},
        headers={"Authorization": f"Bearer {fuzz.rest_token}"},
        timeout=REQUEST_TIMEOUT,
    )
    reply.raise_for_status()
    found = [m["custom"] for m in reply.json() if "custom" in m]
    return dict(found[0]) if len(found) == 1 else {"customs": found}


# --- how many of each, and waiting for the servers to finish ------------------------------------

# Each target's share of the generated requests: more where more code reads the input.
TARGET_WEIGHTS = {
    "REST": 5,
    "REST without the token": 3,
    "Teams, signed": 5,
    "Teams, not signed": 2,
    "widget connect": 4,
    "widget events": 5,
    "article pages": 6,
    "dev token": 3,
    "action server": 5,
    "action server without the token": 3,
    "Rasa server, other URLs": 4,
}
QUIET_SECONDS = 2.0
SETTLE_TIMEOUT = 120.0


def share(total: int) -> dict[str, int]:
    """``total`` generated requests split between the targets by ``TARGET_WEIGHTS``."""
    weights = sum(TARGET_WEIGHTS.values())
    return {name: max(1, round(total * w / weights)) for name, w in TARGET_WEIGHTS.items()}


def settle(stack: Stack) -> None:
    """Wait until neither server has logged anything for ``QUIET_SECONDS``: Teams turns run after
    the 202, and a socket's turn after its event."""
    logs = [stack.log_dir / f"{name}.log" for name in SERVERS] if stack.log_dir else []
    deadline, last, still_since = time.monotonic() + SETTLE_TIMEOUT, None, time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - still_since < QUIET_SECONDS:
        sizes = [p.stat().st_size for p in logs]
        if sizes != last:
            last, still_since = sizes, time.monotonic()
        time.sleep(0.2)


# --- running probes and reporting what went wrong -------------------------------------------------


@dataclass(frozen=True)
class Result:
    target: str
    probe: Probe
    reply: Reply
    problem: str | None  # ``failure()``'s verdict, or a server that stopped
    tracebacks: tuple[str, ...] = ()  # what the logs gained while this request was served

    @property
    def failed(self) -> bool:
        return self.problem is not None or bool(self.tracebacks)


def run(fuzz: Fuzz, name: str, probes: Sequence[Probe], watch: ServerWatch) -> list[Result]:
    """Send ``probes`` to target ``name`` one at a time, each judged on its own, with the tracebacks
    it caused; stops at the first after which a server is down (the rest would only time out)."""
    target, results = fuzz.targets[name], []
    for probe in probes:
        reply = target.send(probe)
        down = fuzz.down()  # now: a request can leave a server busy for good after it was answered
        problem = down or failure(probe, reply)
        results.append(Result(name, probe, reply, problem, tuple(watch.new_tracebacks())))
        if down:
            break
    return results


def _masked(line: str) -> str:
    return re.sub(r"0x[0-9a-f]+|\d+", "N", line.split("  [after:")[0])[:160]


def distinct_failures(results: Sequence[Result]) -> dict[tuple[str, str], list[Result]]:
    """Failed results grouped by target and by what went wrong (the problem, or the exception)."""
    groups: dict[tuple[str, str], list[Result]] = {}
    for result in results:
        kinds = [f"traceback {_masked(t)}" for t in result.tracebacks]
        if result.problem is not None:
            kinds.insert(0, result.problem)
        for kind in kinds:
            groups.setdefault((result.target, kind), []).append(result)
    return groups


def report(results: Sequence[Result], examples: int = 3) -> str:
    """One line per distinct failure: what, how many requests, and a few of the inputs."""
    lines = []
    for (target, kind), group in distinct_failures(results).items():
        shapes = list(dict.fromkeys(ascii(r.probe.shape)[:100] for r in group))
        statuses = sorted({f"{r.reply.status or ''} {r.reply.outcome}".strip() for r in group})
        context = next((t.split("  [after: ", 1)[1][:-1] for r in group for t in r.tracebacks if "[after: " in t), "")
        lines.append(
            f"- {target}: {kind} ({len(group)} requests; got {', '.join(statuses)[:80]})\n"
            f"    e.g. {'; '.join(shapes[:examples])}" + (f"\n    logged after: {context}" if context else "")
        )
    return "\n".join(lines)
