"""Where a knowledge question's turn goes, through the real Rasa server and action server on
loopback: the whole turn through the REST channel, a greeting's turn (no custom action), Rasa's
NLU alone (``/model/parse``), the answer action alone (the action server's ``/webhook``, with the
tracker Rasa would send) and the search alone (``KnowledgeBase.search`` in this process). Each
over the same questions from the dev split, one at a time after a warm-up.

    .venv-actions/bin/python benchmarks/turn_latency.py [--questions 60] [--label after] [--write docs/benchmarks.md]

``--label`` names the run (its own section of the report), so that a run on an older commit
(copy this script there) sits beside the current one.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script, from anywhere

from benchmarks.report import machine_line, publish
from bot.paths import ROOT
from tests.action_calls import action_call
from tests.e2e.conftest import Chat, running_chat

QUESTIONS = ROOT / "benchmarks" / "data" / "kb-questions-dev.jsonl"
TIMEOUT = 60


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(chat: Chat, questions: list[str]) -> dict[str, list[float]]:
    from bot.knowledge import KnowledgeBase, KnowledgeConfig
    from bot.knowledge.embedding import SentenceTransformerEmbedder

    stack = chat.stack
    kb = KnowledgeBase.from_config(KnowledgeConfig.load(), SentenceTransformerEmbedder())

    def parse(i: int, text: str) -> None:
        url = f"{stack.rasa_url}/model/parse?token={stack.api_token}"
        requests.post(url, json={"text": text}, timeout=TIMEOUT).raise_for_status()

    domain = requests.get(
        f"{stack.rasa_url}/domain?token={stack.api_token}", headers={"Accept": "application/json"}, timeout=TIMEOUT
    ).json()

    def answer_action(i: int, text: str, whole_domain: bool = False) -> None:
        call = action_call("action_answer_question", text, f"bench-a-{i}")
        if whole_domain:  # what Rasa sends with every call: the whole domain, responses and all
            call["domain"] = domain
        headers = {"Authorization": f"Bearer {stack.action_token}"}
        requests.post(f"{stack.action_url}/webhook", json=call, headers=headers, timeout=TIMEOUT).raise_for_status()

    def conversation(prefix: str, i: int, text: str) -> str:
        """A conversation whose latest message is ``text`` (parsed, not yet answered): its URL."""
        url = f"{stack.rasa_url}/conversations/{prefix}-{i}"
        message = {"text": text, "sender": "user"}
        requests.post(f"{url}/messages?token={stack.api_token}", json=message, timeout=TIMEOUT).raise_for_status()
        return url

    def predict(i: int, text: str, url: str) -> None:
        requests.post(f"{url}/predict?token={stack.api_token}", timeout=TIMEOUT).raise_for_status()

    def execute(i: int, text: str, url: str) -> None:
        action = {"name": "action_answer_question"}
        requests.post(f"{url}/execute?token={stack.api_token}", json=action, timeout=TIMEOUT).raise_for_status()

    prepared: dict[str, Callable[[int, str, str], Any]] = {
        "Rasa predicts the next action (/conversations/<id>/predict)": predict,
        "Rasa runs the answer action (/conversations/<id>/execute)": execute,
    }
    steps: dict[str, Callable[[int, str], Any]] = {
        "turn: a knowledge question (REST)": lambda i, text: chat.say(f"bench-q-{i}", text),
        "turn: a greeting (REST, no custom action)": lambda i, text: chat.say(f"bench-g-{i}", "hello"),
        "Rasa NLU alone (/model/parse)": parse,
        "the answer action alone (action server /webhook)": answer_action,
        "the same, with the whole domain as Rasa sends it": lambda i, text: answer_action(i, text, whole_domain=True),
        "the search alone (KnowledgeBase.search, in process)": lambda i, text: kb.search(text),
    }
    timings: dict[str, list[float]] = {}
    for name, prepared_step in prepared.items():  # the conversation is set up outside the timing
        timings[name] = []
        for i, text in enumerate(questions):
            url = conversation(name[:12].replace(" ", "-"), i, text)
            started = time.perf_counter()
            prepared_step(i, text, url)
            timings[name].append((time.perf_counter() - started) * 1000)
    for name, step in steps.items():
        for i in range(3):  # warm-up: first calls load lazily
            step(10_000 + i, questions[i])
        timings[name] = []
        for i, text in enumerate(questions):
            started = time.perf_counter()
            step(i, text)
            timings[name].append((time.perf_counter() - started) * 1000)
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=int, default=60)
    parser.add_argument("--label", default="after", help="the run's name, e.g. before or after (default after)")
    parser.add_argument("--write", type=Path, help="replace this run's section of this Markdown file")
    args = parser.parse_args()
    lines = QUESTIONS.read_text().splitlines()[: args.questions]
    questions = [json.loads(line)["text"] for line in lines]
    with tempfile.TemporaryDirectory() as work, running_chat(Path(work)) as chat:
        results = measure(chat, questions)
    rows = [f"| {name} | {percentile(ms, 0.5):.0f} | {percentile(ms, 0.95):.0f} |" for name, ms in results.items()]
    section = "\n".join(
        [
            f"Turn latency, {args.label}: {len(questions)} dev-split questions one at a time, through the real servers "
            "on loopback (milliseconds).",
            "",
            "| step | p50 ms | p95 ms |",
            "|---|---|---|",
            *rows,
            "",
            machine_line("turn_latency.py").replace("--write", f"--label {args.label} --write"),
        ]
    )
    publish(section, f"turn-latency-{args.label}", args.write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
