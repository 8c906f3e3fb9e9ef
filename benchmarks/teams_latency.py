"""How quickly does the Teams channel acknowledge a message, and how long until the answer reaches
the connector? Through the real Rasa server and action server, with the fake Bot Framework from
the tests standing in for Teams on loopback (token checks, app token, connector and members API
all real HTTP).

Teams waits about 15 s for the bot's HTTP answer and then retries, so the acknowledgement must not
wait for the turn; the answer arrives later through the connector.

    .venv-actions/bin/python benchmarks/teams_latency.py [--questions 60] [--burst 10] [--write docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from benchmarks.report import machine_line, publish
from bot.paths import ROOT
from tests.channels.fake_botframework import FakeBotFramework
from tests.e2e.conftest import running_chat

QUESTIONS = ROOT / "benchmarks" / "data" / "kb-questions-dev.jsonl"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def one_message(bf: FakeBotFramework, url: str, text: str) -> dict[str, float]:
    """Post one signed message from a new user; time the acknowledgement, typing and the answer."""
    user = bf.add_user("Bench User", f"bench.{time.monotonic_ns()}@northbrook.example")
    activity = bf.activity(user, text)
    conversation = activity["conversation"]["id"]
    started = time.perf_counter()
    answer = requests.post(url, json=activity, headers={"Authorization": f"Bearer {bf.token()}"}, timeout=60)
    acked = time.perf_counter()
    assert answer.status_code == 202, answer.text
    bf.wait_for(lambda: bool(bf.replies(conversation)), 120, "the answer")
    replied = time.perf_counter()
    bf.wait_for(lambda: bool(bf.replies(conversation, kind="typing")), 10, "typing")
    return {"ack": (acked - started) * 1000, "answer": (replied - started) * 1000}


def summary(name: str, rows: list[dict[str, float]]) -> list[str]:
    out = []
    for key, label in (("ack", "HTTP 202 to Teams"), ("answer", "answer posted to the connector")):
        values = [r[key] for r in rows]
        out.append(
            f"| {name} | {label} | {len(values)} | {statistics.median(values):.0f} | "
            f"{percentile(values, 0.95):.0f} | {max(values):.0f} |"
        )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--questions", type=int, default=60)
    parser.add_argument("--burst", type=int, default=10, help="messages sent at the same moment")
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    texts = [json.loads(line)["text"] for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]

    bf = FakeBotFramework().start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            with running_chat(work, credentials=bf.credentials_file(work / "credentials.yml")) as chat:
                url = f"{chat.stack.rasa_url}/webhooks/teams/webhook"
                one_message(bf, url, "hello")  # warm-up: the first turn loads what it needs
                sequential = [one_message(bf, url, t) for t in texts[: args.questions]]
                with ThreadPoolExecutor(args.burst) as pool:
                    burst = list(pool.map(lambda t: one_message(bf, url, t), texts[-args.burst :]))
    finally:
        bf.stop()

    section = "\n".join(
        [
            f"{args.questions} questions from the dev split, one at a time, then {args.burst} sent at the same "
            "moment, each from a new Teams user (so each turn also looks the user up in the members API). "
            "Milliseconds from the POST to the webhook.",
            "",
            "| load | until | n | p50 ms | p95 ms | max ms |",
            "|---|---|---|---|---|---|",
            *summary("one at a time", sequential),
            *summary(f"{args.burst} at once", burst),
            "",
            machine_line("teams_latency.py"),
        ]
    )
    publish(section, "teams-latency", args.write)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
