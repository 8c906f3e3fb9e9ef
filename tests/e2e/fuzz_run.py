"""Running the fuzz tests' probes and reporting what went wrong: each target's share of the generated
requests, waiting for the servers to finish what a request started, and a report of the distinct
failures (for tests/e2e/test_fuzz.py and benchmarks/fuzz.py)."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass

from bot.launcher import Stack
from tests.e2e.fuzz_probes import Probe, failure
from tests.e2e.fuzz_wire import Reply
from tests.e2e.fuzzing import Fuzz
from tests.e2e.server_watch import SERVERS, ServerWatch
from tests.waiting import poll

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
    last: list[int] | None = None
    still_since = time.monotonic()

    def quiet() -> bool:
        nonlocal last, still_since
        sizes = [p.stat().st_size for p in logs]
        if sizes != last:
            last, still_since = sizes, time.monotonic()
        return time.monotonic() - still_since >= QUIET_SECONDS

    poll(quiet, SETTLE_TIMEOUT, interval=0.2)


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
