"""The fuzz tests' requests for the plain HTTP targets (tests/e2e/fuzzing.py sends them): the article
pages, the dev token endpoint, the action server and the Rasa server's other URLs; per target a
hypothesis strategy, and the action server's named probes."""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

import yaml
from hypothesis import strategies as st

from bot.launcher import ROOT
from tests.action_calls import action_call
from tests.e2e.fuzz_probes import Probe, set_path
from tests.e2e.fuzz_values import (
    RAW_BODIES,
    Forgeries,
    any_json,
    describe,
    field_value,
    hostile_headers,
    hostile_text,
    long_words,
)
from tests.e2e.fuzz_wire import encode, percent

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
        shape + (f", {label}" if label else ""),
        method=method,
        path=name + suffix,
        query=query,
        headers=headers,
        content_type=None,
        must_refuse=traversal,
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
        method=method,
        query=query,
        headers=headers,
        content_type=None,
    )


@lru_cache(maxsize=1)
def domain_actions() -> list[str]:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    return [str(a) for a in domain.get("actions", [])]


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
        body=body,
        method=method,
        path=path,
        query=query,
        headers=headers,
        must_refuse=api,
    )


def action_named() -> tuple[Probe, ...]:
    return tuple(
        Probe(f"{action}, text: {describe(text)}", encode(action_call(action, text)), path=b"/webhook")
        for action in ("action_answer_question", "action_create_ticket", "action_ticket_status")
        for text in ("hi \udfff there", long_words(), "\x00" * 100)
    )
