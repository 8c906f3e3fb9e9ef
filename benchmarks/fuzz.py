"""Fuzz every public endpoint with 10,000 and more hostile requests through the real Rasa server and
action server on loopback (issue 10): the strategies and senders of the fuzz tests
(tests/e2e/fuzzing.py), drawn by hypothesis with a seed, several at a time, bounded in count and in
time. Pass: no 5xx other than a deliberate 503, no stranger let in, no traceback in the logs, both
servers up with memory within 10% of where it was after warm-up, and "I forgot my password" still
answered with the password-reset article.

    .venv-actions/bin/python benchmarks/fuzz.py [--requests 10000] [--minutes 60] [--workers 4] [--seed 1]
                                                [--write docs/benchmarks.md] [--keep DIR]

With --keep, the stack's files (the servers' logs among them) stay in DIR for reading afterwards,
and every failing request is printed.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script, from anywhere

from benchmarks.report import publish
from tests.e2e.fuzz_probes import BROKEN, Probe, Target, draw, failure
from tests.e2e.fuzz_run import Result, distinct_failures, settle, share
from tests.e2e.fuzz_wire import Reply
from tests.e2e.fuzzing import Fuzz, ask_password, fuzz_stack, warm_up
from tests.e2e.server_watch import ServerWatch

RSS_GROWTH = 0.10
SAMPLE_SECONDS = 0.5
SECTION = "fuzz"


class Peaks:
    """Each server's resident memory, sampled in the background; the highest seen."""

    def __init__(self, watch: ServerWatch) -> None:
        self.watch, self.peak = watch, watch.rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="rss-sampler", daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(SAMPLE_SECONDS):
            for name, mb in self.watch.rss_mb().items():
                self.peak[name] = max(self.peak[name], mb)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def rounds(fuzz: Fuzz, per_round: int, seed: int) -> Iterator[tuple[Target, Probe]]:
    """The named probes once, then rounds of generated ones (a new seed each), targets interleaved."""
    for target in fuzz.targets.values():
        yield from ((target, p) for p in target.named)
    counts = share(per_round)
    for number in range(1, 1_000_000):
        drawn = {name: draw(fuzz.targets[name].probes, n, seed=seed * 1_000_003 + number) for name, n in counts.items()}
        longest = max(len(d) for d in drawn.values())
        for i in range(longest):
            yield from ((fuzz.targets[name], d[i]) for name, d in drawn.items() if i < len(d))


def label(reply: Reply) -> str:
    """How a reply is counted: the HTTP status, and what else happened (socket.io, time-outs)."""
    status = str(reply.status) if reply.status not in (0, 101) else ""
    outcome = reply.outcome if reply.outcome not in ("answered", "alive") or not status else ""
    return f"{status} {outcome}".strip() or "ok"


Failed = list[tuple[Target, Probe, Reply, str]]


@dataclass
class Run:
    """What a fuzz run saw: answers per target, what failed, memory, and the state it left."""

    counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    failed: Failed = field(default_factory=list)
    seconds: float = 0.0
    start_rss: dict[str, float] = field(default_factory=dict)
    peak_rss: dict[str, float] = field(default_factory=dict)
    end_rss: dict[str, float] = field(default_factory=dict)
    stopped: str | None = None
    tracebacks: list[str] = field(default_factory=list)
    answer: dict[str, Any] = field(default_factory=dict)

    def memory_rows(self) -> list[str]:
        return [
            f"| {name} | {self.start_rss[name]:.0f} | {self.peak_rss[name]:.0f} | {self.end_rss.get(name, 0):.0f} | "
            f"{'yes' if self.end_rss.get(name, 0) <= self.start_rss[name] * (1 + RSS_GROWTH) else 'no'} |"
            for name in self.start_rss
        ]

    @property
    def passed(self) -> bool:
        return (
            not self.failed
            and not self.tracebacks
            and not self.stopped
            and self.answer == {"decision": "answer", "article_id": "password-reset"}
            and all(line.endswith("yes |") for line in self.memory_rows())
        )


def send(fuzz: Fuzz, run: Run, args: argparse.Namespace) -> None:
    """Up to ``args.requests`` probes, ``args.workers`` at a time, until the time is up or a server is down."""
    deadline = time.monotonic() + args.minutes * 60
    probes = rounds(fuzz, 250, args.seed)
    with ThreadPoolExecutor(args.workers) as pool:
        pending: dict[Future[Reply], tuple[Target, Probe]] = {}
        sent, down = 0, None

        def more() -> bool:
            return sent < args.requests and time.monotonic() < deadline and not down

        while pending or more():
            while len(pending) < args.workers * 2 and more():
                target, probe = next(probes)
                pending[pool.submit(target.send, probe)] = (target, probe)
                sent += 1
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                target, probe = pending.pop(future)
                reply = future.result()
                run.counts[(target.name, label(reply))] += 1
                problem = failure(probe, reply)
                if problem and not down:  # after a server is down, every failure is that one
                    down = fuzz.down() if reply.status == 0 or reply.outcome in BROKEN else fuzz.down(wait=0)
                    run.failed.append((target, probe, reply, down or problem))


def fuzz_in(work: Path, args: argparse.Namespace) -> tuple[Run, list[str]]:
    """Warm a stack up in ``work``, fuzz it, and see what it is left in; the run and the targets."""
    run = Run()
    with fuzz_stack(work) as fuzz:
        warm_up(fuzz)
        watch = ServerWatch(fuzz.chat.stack)
        run.start_rss, peaks = watch.rss_mb(), Peaks(watch)
        started = time.monotonic()
        send(fuzz, run, args)
        run.seconds = time.monotonic() - started
        settle(fuzz.chat.stack)
        peaks.stop()
        run.peak_rss, run.end_rss = peaks.peak, watch.rss_mb()
        run.stopped = fuzz.down()
        run.tracebacks = watch.all_tracebacks()
        run.answer = ask_password(fuzz) if not run.stopped else {"error": run.stopped}
        watch.close()
        return run, list(fuzz.targets)


def report(run: Run, targets: list[str], args: argparse.Namespace) -> str:
    rows = []
    for name in targets:
        mine = {lab: n for (t, lab), n in run.counts.items() if t == name}
        bad = sum(1 for t, *_ in run.failed if t.name == name)
        statuses = ", ".join(f"{lab}: {n}" for lab, n in sorted(mine.items(), key=lambda kv: -kv[1]))
        rows.append(f"| {name} | {sum(mine.values())} | {statuses} | {bad} |")
    groups = distinct_failures([Result(t.name, p, r, problem) for t, p, r, problem in run.failed])
    distinct_tracebacks = Counter(line.split("  [after:")[0][:120] for line in run.tracebacks)
    return "\n".join(
        [
            f"{sum(run.counts.values()):,} hostile requests in {run.seconds:.0f} s ({args.workers} at a time; "
            f"hypothesis seed {args.seed}) to every public endpoint: the REST channel with and without its token, "
            "Teams signed and not, the widget's socket.io connect and events, the article pages, the dev token "
            "endpoint, the action server with and without its token, and the Rasa server's other URLs. Status (or "
            "socket.io outcome) counts:",
            "",
            "| target | requests | answers | failures |",
            "|---|---|---|---|",
            *rows,
            "",
            "| server | RSS after warm-up (MB) | peak (MB) | at the end (MB) | within 10% |",
            "|---|---|---|---|---|",
            *run.memory_rows(),
            "",
            f"Failures (5xx other than 503, no answer, a stranger let in): {len(run.failed)}"
            + "".join(f"; {t}: {k} x{len(g)}" for (t, k), g in list(groups.items())[:12])
            + ".",
            f"Tracebacks in the servers' logs: {len(run.tracebacks)}"
            + "".join(f"; {line} x{n}" for line, n in distinct_tracebacks.most_common(8))
            + ".",
            f"Both servers up afterwards: {'no: ' + run.stopped if run.stopped else 'yes'}. "
            f'"I forgot my password" afterwards: {run.answer}. **{"Pass" if run.passed else "Fail"}.**',
            "",
            machine(),
            f"Command: `.venv-actions/bin/python benchmarks/fuzz.py --requests {args.requests} --minutes "
            f"{args.minutes:g} --workers {args.workers} --seed {args.seed} --write docs/benchmarks.md`.",
        ]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=10_000, help="stop after this many (default 10,000)")
    parser.add_argument("--minutes", type=float, default=60, help="or after this long (default 60)")
    parser.add_argument("--workers", type=int, default=4, help="requests in flight at once (default 4)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--write", type=Path, help="replace the fuzz section of this Markdown file")
    parser.add_argument("--keep", type=Path, help="run the stack in this directory and keep its logs")
    args = parser.parse_args()
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        run, targets = fuzz_in(args.keep, args)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            run, targets = fuzz_in(Path(tmp), args)
    publish(report(run, targets, args), SECTION, args.write)
    if args.keep:
        for target, probe, reply, problem in run.failed:
            print(f"FAILED {target.name}: {problem}: {probe.shape!r} -> {reply}", file=sys.stderr)
        print(f"logs: {args.keep}", file=sys.stderr)
    return 0 if run.passed else 1


def machine() -> str:
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    ram = next((int(line.split()[1]) / 1024**2 for line in meminfo if line.startswith("MemTotal")), 0.0)
    return f"Machine: {platform.machine()}, {os.cpu_count()} cores, {ram:.0f} GiB RAM; {time.strftime('%Y-%m-%d')}."


if __name__ == "__main__":
    raise SystemExit(main())
