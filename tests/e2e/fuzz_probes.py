"""What the fuzz tests send and how a reply is judged (tests/e2e/fuzzing.py sends them): a ``Probe``
is one hostile request, a ``Target`` one endpoint with its strategy (tests/e2e/fuzz_chat.py,
fuzz_widget.py, fuzz_http.py) and its sender; ``failure`` applies the issue's rules to a ``Reply``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from tests.e2e.fuzz_wire import Header, Raw, Reply, encode

# Outcomes with no answer at all: failures, unless the probe broke the protocol (then closing is right).
BROKEN = ("timeout", "connection reset", "connection refused", "bad response", "closed", "no reply", "no answer")
IGNORING = ("closed", "connection reset", "no answer")  # what a socket may do with a frame that breaks the protocol


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


def set_path(activity: dict[str, Any], path: str, value: Any) -> None:
    """Put ``value`` at the dotted ``path`` of a JSON object (a Teams activity, an action call),
    making the objects on the way; ``DELETE`` removes the field instead."""
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
    """A socket.io EVENT packet, with an ack id when given."""
    return f"42{'' if ack is None else ack}" + encode([event] if data is None else [event, data]).decode()
