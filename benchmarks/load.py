"""Outage-morning load through the real Rasa and action servers on loopback (issue 15): a closed loop
of ``--users`` members of staff, each waiting for the bot's reply, then thinking (exponentially
distributed, ``--think`` seconds on average) before the next message. Each user plays, at random,
a knowledge question from the dev split (70%), a greeting or thanks (20%), or a whole ticket flow
(10%: "raise a ticket", a summary, "yes", then the first impact button: four turns, one ticket on
the local desk). Bounded: ``--seconds`` of load, then every user finishes the turn it is in.

Counted: every turn's latency (send to reply), turns per second, and failures: an HTTP error, a
reply with no message (a lost turn), or a ticket flow that did not end in ``ticket_created``; and
at the end, whether the desk holds exactly as many tickets as replies said were raised (in a ticket
flow, or where a user's next message was taken for a yes to a ticket offer).

    .venv-actions/bin/python benchmarks/load.py [--users 50] [--think 2] [--seconds 60]
        [--label before] [--write docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script, from anywhere

from benchmarks.report import machine_line, publish
from bot.paths import ROOT
from bot.settings import REST_TOKEN_SETTING
from tests.e2e.conftest import Chat, running_chat
from tests.e2e.server_watch import cpu_seconds, descendants, rss_mb, server_pids
from tests.e2e.ticket_flow import RAISED, TicketFlowError, complete_ticket_flow
from tests.redis_server import RedisServer

QUESTIONS = ROOT / "benchmarks" / "data" / "kb-questions-dev.jsonl"
GREETINGS = ("hello", "hi there", "thanks", "thank you, that's great", "good morning")
MIX = (("question", 0.7), ("greeting", 0.2), ("ticket", 0.1))
TIMEOUT = 60.0
# A conversation is a few exchanges, as staff have them; one user kept for the whole run made
# conversations of hundreds of turns, and Rasa reads a conversation's whole session every turn.
EXCHANGES_PER_CONVERSATION = 8  # on average: a new conversation with probability 1/8 before each
SOAK_WARM = 60.0  # seconds before the soak's memory baseline: caches fill on first use
WARM_UP = 3  # turns before the clock starts: the first calls load lazily


@dataclass
class Tally:
    """What every user saw, under one lock."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))  # kind -> ms
    failures: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # what went wrong -> count
    flows: int = 0  # ticket flows that ended in a ticket
    raised: int = 0  # replies, in any turn, that said a ticket was raised
    lock: threading.Lock = field(default_factory=threading.Lock)

    def turn(self, kind: str, ms: float) -> None:
        with self.lock:
            self.latencies[kind].append(ms)

    def failed(self, what: str) -> None:
        with self.lock:
            self.failures[what] += 1


class User:
    """One member of staff on the REST channel, with a conversation of their own."""

    def __init__(self, chat: Chat, tally: Tally, rng: random.Random, questions: list[str]) -> None:
        self.chat, self.tally, self.rng, self.questions = chat, tally, rng, questions
        self.sender = f"load-{uuid.uuid4().hex[:12]}"
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {chat.stack.extra_env[REST_TOKEN_SETTING]}"

    def say(self, kind: str, text: str) -> list[dict[str, Any]] | None:
        """The bot's reply to ``text``, timed; None (and a failure counted) if there was none."""
        started = time.perf_counter()
        try:
            reply = self.session.post(
                f"{self.chat.stack.rasa_url}/webhooks/rest/webhook",
                json={"sender": self.sender, "message": text},
                timeout=TIMEOUT,
            )
        except requests.RequestException as exc:
            self.tally.failed(f"{type(exc).__name__}")
            return None
        self.tally.turn(kind, (time.perf_counter() - started) * 1000)
        if reply.status_code != 200:
            self.tally.failed(f"HTTP {reply.status_code}")
            return None
        messages: list[dict[str, Any]] = reply.json()
        if not messages:
            self.tally.failed("a turn with no reply")
            return None
        if any((m.get("custom") or {}).get("flow") in RAISED for m in messages):
            with self.tally.lock:
                self.tally.raised += 1
        return messages

    def ticket_flow(self) -> None:
        """The whole ticket form, answered as it asks (tests/e2e/ticket_flow.py)."""
        try:
            done = complete_ticket_flow(lambda text: self.say("ticket flow turn", text), self.rng)
        except TicketFlowError as exc:
            self.tally.failed(str(exc))
            return
        if done is not None:
            with self.tally.lock:
                self.tally.flows += 1

    def one(self) -> None:
        if self.rng.random() < 1 / EXCHANGES_PER_CONVERSATION:  # the next member of staff at this desk
            self.sender = f"load-{uuid.uuid4().hex[:12]}"
        kind = self.rng.choices([k for k, _ in MIX], [w for _, w in MIX])[0]
        if kind == "question":
            self.say("knowledge question", self.rng.choice(self.questions))
        elif kind == "greeting":
            self.say("greeting or thanks", self.rng.choice(GREETINGS))
        else:
            self.ticket_flow()

    def run(self, until: float, think: float) -> None:
        time.sleep(self.rng.uniform(0, think))  # users arrive spread over one think time
        while time.monotonic() < until:
            self.one()
            # Thinking stops at the end: a last think past it made the run look longer (a turn a
            # second rarer) than the load it carried.
            pause = self.rng.expovariate(1 / think) if think > 0 else 0
            time.sleep(max(0.0, min(pause, until - time.monotonic())))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else float("nan")


@dataclass
class Sample:
    at: float  # seconds into the load
    rss_mb: dict[str, float]  # server -> resident memory, its processes together
    fds: dict[str, int]  # server -> open file descriptors, its processes together


def open_fds(pid: int) -> int:
    total = 0
    for each in descendants(pid):
        try:
            total += len(os.listdir(f"/proc/{each}/fd"))
        except OSError:  # a process that ended between listing and looking
            continue
    return total


def sampler(chat: Chat, every: float, started: float, until: float, samples: list[Sample]) -> threading.Thread:
    """A thread that samples each server's memory and open files every ``every`` seconds until ``until``."""
    pids = server_pids(chat.stack)

    def run() -> None:
        while True:
            now = time.monotonic()
            samples.append(
                Sample(
                    now - started, {n: rss_mb(p) for n, p in pids.items()}, {n: open_fds(p) for n, p in pids.items()}
                )
            )
            if now >= until:
                return
            time.sleep(min(every, max(0.0, until - now)))

    return threading.Thread(target=run, daemon=True)


@dataclass
class Run:
    tally: Tally
    lasted: float  # seconds the load really lasted
    tickets: int  # tickets the desk holds at the end
    samples: list[Sample]  # memory and open files, for a soak
    cpu: dict[str, float]  # server -> CPU seconds it used during the load


def measure(chat: Chat, users: int, think: float, seconds: float, seed: int, sample_every: float = 0.0) -> Run:
    rng = random.Random(seed)
    rows = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    questions = [r["text"] for r in rows]
    warm = User(chat, Tally(), rng, questions)
    for text in questions[:WARM_UP]:
        warm.say("warm-up", text)
    tally = Tally()
    people = [User(chat, tally, random.Random(rng.random()), questions) for _ in range(users)]
    started = time.monotonic()
    until = started + seconds
    threads = [threading.Thread(target=p.run, args=(until, think), daemon=True) for p in people]
    samples: list[Sample] = []
    if sample_every > 0:
        threads.append(sampler(chat, sample_every, started, until, samples))
    pids = server_pids(chat.stack)
    cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    own_before = time.process_time()  # the simulated users' threads: they share the two cores too
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    lasted = time.monotonic() - started
    cpu = {name: cpu_seconds(pid) - cpu_before[name] for name, pid in pids.items()}
    cpu["the users (this script)"] = time.process_time() - own_before
    return Run(tally, lasted, len(chat.tickets()), samples, cpu)


def soak_lines(samples: list[Sample]) -> list[str]:
    """Memory and open files from the first sample after warm-up (a minute in, or the second) to the end."""
    if len(samples) < 3:
        return []
    base = next((s for s in samples if s.at >= SOAK_WARM), samples[1])
    last = samples[-1]
    rows = [
        f"| {name} | {base.rss_mb[name]:.0f} | {max(s.rss_mb[name] for s in samples if s.at >= base.at):.0f} "
        f"| {last.rss_mb[name]:.0f} | {100 * (last.rss_mb[name] / base.rss_mb[name] - 1):+.1f}% "
        f"| {base.fds[name]} | {max(s.fds[name] for s in samples if s.at >= base.at)} | {last.fds[name]} |"
        for name in sorted(base.rss_mb)
    ]
    return [
        "",
        f"Each server's memory (RSS, MB, its processes together) and open file descriptors, sampled "
        f"{len(samples)} times, from {base.at:.0f} s (after warm-up) to {last.at:.0f} s:",
        "",
        "| server | RSS at warm-up | RSS max | RSS at the end | change | fds at warm-up | fds max | fds at the end |",
        "|---|---|---|---|---|---|---|---|",
        *rows,
    ]


def section(run: Run, args: argparse.Namespace) -> str:
    tally, lasted, tickets = run.tally, run.lasted, run.tickets
    every = [ms for values in tally.latencies.values() for ms in values]
    cpu = ", ".join(f"{name} {1000 * s / max(1, len(every)):.1f} ms" for name, s in sorted(run.cpu.items()))

    def row(name: str, values: list[float]) -> str:
        return (
            f"| {name} | {len(values)} | {percentile(values, 0.5):.0f} | {percentile(values, 0.95):.0f} "
            f"| {percentile(values, 0.99):.0f} |"
        )

    command = f"--users {args.users} --think {args.think:g} --seconds {args.seconds:g} --label {args.label}"
    command += f" --sample {args.sample:g}" if args.sample else ""
    command += f" --workers {args.workers}" if args.workers > 1 else ""
    failures = ", ".join(f"{what}: {n}" for what, n in sorted(tally.failures.items())) or "none"
    return "\n".join(
        [
            f"Load, {args.label}: {args.users} users, each thinking {args.think:g} s on average between messages, "
            + (f"Rasa with {args.workers} Sanic workers on a Redis lock store, " if args.workers > 1 else "")
            + f"for {args.seconds:g} s; {len(every)} turns in {lasted:.1f} s = **{len(every) / lasted:.1f} turns/s**.",
            "",
            "| turn | count | p50 ms | p95 ms | p99 ms |",
            "|---|---|---|---|---|",
            *[row(kind, values) for kind, values in sorted(tally.latencies.items())],
            row("every turn", every),
            "",
            f"Failures: {failures}. Ticket flows completed: {tally.flows}; replies saying a ticket was raised "
            f"(any turn): {tally.raised}; tickets on the desk: {tickets}"
            f"{'' if tickets == tally.raised else ' (NOT the same: a ticket lost or duplicated)'}. "
            f"Load average at the end (1 / 5 / 15 min): {' / '.join(f'{x:.1f}' for x in os.getloadavg())}. "
            f"CPU per turn (each server's processes together, over the load): {cpu}.",
            *soak_lines(run.samples),
            "",
            machine_line("load.py").replace("--write", f"{command} --write"),
        ]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--think", type=float, default=2.0, help="mean seconds between a reply and the next message")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--sample", type=float, default=0.0, help="seconds between memory/open-file samples (soak)")
    parser.add_argument(
        "--workers", type=int, default=1, help="Rasa's Sanic workers; above 1, with a Redis lock store (Debian's, here)"
    )
    parser.add_argument("--label", default="before", help="the run's name: its own section of the report")
    parser.add_argument("--write", type=Path, help="replace this run's section of this Markdown file")
    args = parser.parse_args()
    if not 1 <= args.users <= 500 or not 1 <= args.seconds <= 3600:
        parser.error("--users must be 1..500 and --seconds 1..3600")
    with contextlib.ExitStack() as stack:
        extra_env = {}
        if args.workers > 1:  # Rasa refuses several workers on its in-memory lock store
            redis = RedisServer()
            stack.callback(redis.stop)
            extra_env = {"REDIS_URL": redis.url(), "SANIC_WORKERS": str(args.workers)}
        work = stack.enter_context(tempfile.TemporaryDirectory())
        chat = stack.enter_context(running_chat(Path(work), extra_env))
        run = measure(chat, args.users, args.think, args.seconds, args.seed, args.sample)
    publish(section(run, args), f"load-{args.label}-{args.users}", args.write)
    return 0 if not run.tally.failures and run.tickets == run.tally.raised else 1


if __name__ == "__main__":
    sys.exit(main())
