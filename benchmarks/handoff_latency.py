"""Live chat with people, under load: 20 widget users handed to 5 service-desk agents at once.

Starts the real Rasa and action servers once on loopback (tests/e2e/conftest.py: running_chat) with
a handoff.yml that keeps the desk open all week, one group for all councils and 4 chats per agent.
Connects the agents to the broker's /agents namespace (available), then every user asks for a person
at the same moment through the widget's socket.io protocol (tests/e2e/widget_client.py); each chat is
accepted by one agent (4 each). Then, in every chat at once, the user and the agent each send
``--messages`` lines, taking turns: the user's every ``--interval`` seconds, the agent's half-way
between. It measures, with one monotonic clock (every client is in this process):

  * agent -> user: the agent's ``send`` emit on /agents until the user's widget client has the line;
  * user -> agent: the user's ``user_uttered`` emit until the agent's console has the ``message`` event;
  * the agent's ``send`` emit until its acknowledgement; and asking for a person until queued / joined.

It fails loudly if any line is lost, duplicated or out of order, or if the bot answers during the chat.

    .venv-actions/bin/python benchmarks/handoff_latency.py [--users 20] [--agents 5] \
        [--messages 10] [--interval 2] [--write docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import socketio

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script, from anywhere

from benchmarks.report import machine_line, publish
from bot.handoff.agent_token import mint
from bot.launcher import RASA_SERVER
from tests.e2e.conftest import Chat, running_chat
from tests.e2e.server_watch import process_cpu_seconds
from tests.e2e.widget_client import WidgetClient, custom_has

WAIT = 120.0  # the longest any one wait may take
SECRET = secrets.token_urlsafe(32)
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HANDOFF_YML = "\n".join(
    [
        "hours:\n  default:\n    time_zone: Europe/London",
        *(f'    {day}: "00:00-24:00"' for day in DAYS),
        "groups:\n  service-desk:\n    name: Service Desk\n    councils: all",
        "capacity: 4",
        "timeouts: {queue: 60, agent_response: 60, idle_user: 60, idle_agent: 60}",
    ]
)
ASK = "i'd like to speak to a human"


def wait_until(found: Callable[[], Any], what: str, seconds: float = WAIT) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := found():
            return value
        time.sleep(0.01)
    raise AssertionError(f"timed out after {seconds:.0f} s waiting for {what}")


class Agent:
    """A console on /agents: each ``message`` event from a user, with the moment it arrived."""

    def __init__(self, chat: Chat, agent_id: str) -> None:
        self.heard: list[tuple[float, dict[str, Any]]] = []
        self.client = socketio.Client()
        self.client.on("message", lambda m: self.heard.append((time.monotonic(), m)), namespace="/agents")
        token = mint(SECRET, agent_id, name=f"Agent {agent_id}", groups=["service-desk"], councils=["all"])
        self.client.connect(
            chat.stack.rasa_url,
            transports=["websocket"],
            namespaces=["/agents"],
            auth={"token": token},
            wait_timeout=20,
        )

    def call(self, event: str, data: dict[str, Any]) -> dict[str, Any]:
        answer: dict[str, Any] = self.client.call(event, data, namespace="/agents", timeout=WAIT)
        if not answer.get("ok"):
            raise AssertionError(f"{event} {data} refused: {answer}")
        return answer

    def lines(self, handoff_id: str) -> list[tuple[float, str]]:
        return [(t, m["text"]) for t, m in list(self.heard) if m["handoff_id"] == handoff_id and m["sender"] == "user"]


class User(WidgetClient):
    """A widget user: every ``bot_uttered``, with the moment it arrived."""

    def __init__(self, chat: Chat, n: int) -> None:
        sub = f"bench-user-{n}"
        super().__init__(chat.stack.rasa_url, chat.widget_token(sub, email=f"{sub}@northbrook.example", name=sub))
        self.arrived: list[float] = []
        self.client.on("bot_uttered", self._keep)

    def _keep(self, message: dict[str, Any]) -> None:
        self.arrived.append(time.monotonic())
        self.received.append(message)


def percentiles(values: list[float]) -> str:
    ordered = sorted(values)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    return f"{len(ordered)} | {at(0.5):.0f} | {at(0.95):.0f} | {at(0.99):.0f} | {ordered[-1]:.0f}"


class Desk:
    """The users, their agents (user ``u`` is agent ``u % agents``'s) and what was sent and heard."""

    def __init__(self, chat: Chat, n_users: int, n_agents: int, n_messages: int, interval: float) -> None:
        self.n_messages, self.interval = n_messages, interval
        self.agents = [Agent(chat, f"agent-{a}") for a in range(n_agents)]
        for agent in self.agents:
            agent.call("presence", {"state": "available", "capacity": -(-n_users // n_agents)})
        self.users = [User(chat, u) for u in range(n_users)]
        self.handoffs = [""] * n_users
        self.ms: dict[str, list[float]] = {"queued": [], "joined": [], "to_user": [], "to_agent": []}
        self.sent: dict[str, float] = {}  # a line's text -> when it was emitted
        self.acks: dict[str, tuple[float, int]] = {}  # an agent's line -> when its ack came, and its seq
        self.before = [0] * n_users  # where each user's chat lines start in what they received
        self.barrier = threading.Barrier(n_users)

    def hand_off(self, u: int) -> None:
        """User ``u`` asks for a person (all at once), and their agent accepts."""
        user = self.users[u]
        self.barrier.wait(WAIT)
        asked = time.monotonic()
        queued = user.say(ASK, custom_has("flow", "handoff_queued"))
        self.ms["queued"].append((user.arrived[user.received.index(queued)] - asked) * 1000)
        self.handoffs[u] = queued["custom"]["handoff_id"]
        self.agents[u % len(self.agents)].call("accept", {"handoff_id": self.handoffs[u]})
        joined = user.wait_for(custom_has("flow", "handoff_started"), WAIT)
        self.ms["joined"].append((user.arrived[user.received.index(joined)] - asked) * 1000)
        self.before[u] = len(user.received)

    def converse(self, u: int) -> None:
        """User and agent take turns, half an interval apart; the chats are not in step."""
        agent, handoff_id = self.agents[u % len(self.agents)], self.handoffs[u]
        time.sleep(random.uniform(0, self.interval))
        for n in range(self.n_messages):
            text = f"user {u} line {n}"
            self.sent[text] = time.monotonic()
            self.users[u].client.emit("user_uttered", {"message": text})
            time.sleep(self.interval / 2)
            text = f"agent {u} line {n}"
            payload = {"handoff_id": handoff_id, "message_id": f"bench-{u}-{n}", "text": text}
            self.sent[text] = time.monotonic()
            agent.client.emit("send", payload, namespace="/agents", callback=self._acked(text))
            time.sleep(self.interval / 2)

    def _acked(self, text: str) -> Callable[[dict[str, Any]], None]:
        def done(answer: dict[str, Any]) -> None:
            self.acks[text] = (time.monotonic(), answer.get("seq", -1))
            if not answer.get("ok"):
                print(f"send {text!r} refused: {answer}", file=sys.stderr)

        return done

    def all_arrived(self) -> None:
        for u, user in enumerate(self.users):  # at least once; at most once is checked after
            agent, n = self.agents[u % len(self.agents)], self.n_messages
            wait_until(lambda: len(user.received) - self.before[u] >= n, f"user {u}'s lines")  # noqa: B023
            wait_until(lambda: len(agent.lines(self.handoffs[u])) >= n, f"user {u}'s agent's lines")  # noqa: B023
        wait_until(lambda: len(self.acks) == len(self.users) * self.n_messages, "every send's acknowledgement")

    def check(self) -> list[str]:
        """Measure every line; what was lost, duplicated, out of order, or not the agent's."""
        self.ms["ack"] = [(t - self.sent[text]) * 1000 for text, (t, _) in self.acks.items()]
        problems, expected = [], range(self.n_messages)
        for u, user in enumerate(self.users):
            got = user.received[self.before[u] :]
            texts = [m.get("text", "").split(": ", 1)[-1] for m in got]
            if texts != [f"agent {u} line {n}" for n in expected]:
                problems.append(f"chat {u}: the user got agent lines {[t.split()[-1] for t in texts]}; {self.trace(u)}")
            if any((m.get("custom") or {}).get("flow") != "handoff_message" for m in got):
                problems.append(f"chat {u}: the user got {got}")
            arrived = zip(user.arrived[self.before[u] :], texts, strict=True)
            self.ms["to_user"] += [(t - self.sent[s]) * 1000 for t, s in arrived if s in self.sent]
            heard = self.agents[u % len(self.agents)].lines(self.handoffs[u])
            if [s for _, s in heard] != [f"user {u} line {n}" for n in expected]:
                problems.append(f"chat {u}: the agent heard user lines {[s.split()[-1] for _, s in heard]}")
            self.ms["to_agent"] += [(t - self.sent[s]) * 1000 for t, s in heard]
        return problems

    def trace(self, u: int) -> str:
        """Each agent line of chat ``u``: when emitted (ms after the first), its ack's delay and seq."""
        first, lines = self.sent[f"agent {u} line 0"], []
        for n in range(self.n_messages):
            at, (acked, seq) = self.sent[f"agent {u} line {n}"], self.acks[f"agent {u} line {n}"]
            lines.append(f"{n}: {(at - first) * 1000:.0f}, {(acked - at) * 1000:.0f}, {seq}")
        return "as sent (line: emitted at ms, acked after ms, seq): " + ", ".join(lines)


def run(chat: Chat, args: argparse.Namespace) -> tuple[dict[str, list[float]], dict[str, float], list[str]]:
    """The timings (ms), the time and CPU taken, and what went wrong (nothing, one hopes)."""
    desk = Desk(chat, args.users, args.agents, args.messages, args.interval)
    supervisor = chat.stack._supervisor
    rasa = supervisor.servers[RASA_SERVER].proc if supervisor else None
    assert rasa is not None, "the Rasa server is not running"
    try:
        with ThreadPoolExecutor(args.users) as pool:
            started = time.monotonic()
            list(pool.map(desk.hand_off, range(args.users)))
            spent = {"assigned": time.monotonic() - started, "load": os.getloadavg()[0]}
            cpu = process_cpu_seconds(rasa.pid), process_cpu_seconds(os.getpid()), time.monotonic()
            list(pool.map(desk.converse, range(args.users)))
        desk.all_arrived()
        spent |= {"rasa": process_cpu_seconds(rasa.pid) - cpu[0], "clients": process_cpu_seconds(os.getpid()) - cpu[1]}
        spent |= {"exchange": time.monotonic() - cpu[2], "load_after": os.getloadavg()[0]}
        time.sleep(1.0)  # anything duplicated would have come by now
        return desk.ms, spent, desk.check()
    finally:
        for user in desk.users:
            user.client.disconnect()
        for agent in desk.agents:
            agent.client.disconnect()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--agents", type=int, default=5)
    parser.add_argument("--messages", type=int, default=10, help="lines each way in every chat")
    parser.add_argument("--interval", type=float, default=2.0, help="seconds between a chat's user lines")
    parser.add_argument("--write", type=Path, help="replace the handoff-latency section of this Markdown file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "handoff.yml").write_text(HANDOFF_YML, encoding="utf-8")
        settings = {"ASKIT_HANDOFF_FILE": str(work / "handoff.yml"), "ASKIT_AGENT_TOKEN_SECRET": SECRET}
        with running_chat(work, settings) as chat:
            ms, spent, problems = run(chat, args)
    rows = {
        "agent's `send` emit | the user's widget has the line": "to_user",
        "user's `user_uttered` emit | the agent's console has the `message`": "to_agent",
        "agent's `send` emit | its acknowledgement (stored, sent)": "ack",
        "asking for a person | `handoff_queued` on the widget": "queued",
        "asking for a person | `handoff_started` (the agent accepted)": "joined",
    }
    section = "\n".join(
        [
            f"{args.users} widget users ask for a person at the same moment; {args.agents} agents on the console's "
            f"namespace accept them ({-(-args.users // args.agents)} each): all queued and joined in "
            f"{spent['assigned']:.1f} s. Then in every chat at once the user and the agent each send {args.messages} "
            f"lines, taking turns, a line every {args.interval / 2:g} s per chat "
            f"({2 * args.users / args.interval:.0f} lines a second across the desk). Milliseconds on one monotonic "
            "clock (every client in the benchmark process, on loopback). No line lost, duplicated or out of order.",
            "",
            "| from | until | n | p50 ms | p95 ms | p99 ms | max ms |",
            "|---|---|---|---|---|---|---|",
            *(f"| {row} | {percentiles(ms[key])} |" for row, key in rows.items()),
            "",
            f"From the first line until the last arrived ({spent['exchange']:.1f} s) the Rasa server used "
            f"{spent['rasa']:.1f} s of CPU and the benchmark's {args.users + args.agents} clients "
            f"{spent['clients']:.1f} s; "
            f"1-minute load average {spent['load']:.2f} as the lines began, {spent['load_after']:.2f} at the end "
            "(the servers and clients included; the machine is shared).",
            "",
            machine_line("handoff_latency.py"),
        ]
    )
    if problems:  # fail loudly, and publish nothing
        print(section.replace(" No line lost, duplicated or out of order.", ""))
        print(f"\n{len(problems)} PROBLEMS: lost, duplicated or out of order:", *problems, sep="\n", file=sys.stderr)
        return 1
    publish(section, "handoff-latency", args.write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
