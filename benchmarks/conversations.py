"""The conversation test set (tests/conversations/*.yml) played against real servers on loopback,
counted per point of the conversation issue: how many dialogues go as staff expect, and what
each answer puts in front of them: characters of an answer's text, median and 90th percentile,
beside what the same answers were when every answer was its whole article; and what choosing the
passage costs a search (in process: the first answer from an article embeds its sections, later
ones reuse them).

    .venv-actions/bin/python benchmarks/conversations.py [--write docs/benchmarks.md]

``make test`` plays the same dialogues (tests/e2e/test_conversations.py) and fails on any one
that goes wrong; this script counts instead of stopping, and shows what went wrong.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script, from anywhere

from benchmarks.report import machine_line, publish
from bot.knowledge import KnowledgeBase, KnowledgeConfig
from bot.knowledge.articles import read_articles
from bot.knowledge.embedding import SentenceTransformerEmbedder
from bot.replies import answer
from tests.e2e.conftest import running_chat
from tests.e2e.dialogues import POINTS, Messages, Players, load, play


def passage_cost_ms() -> tuple[float, float]:
    """Median milliseconds to choose an answer's passage: the first time for each article, and again."""
    kb = KnowledgeBase.from_config(KnowledgeConfig.load(), SentenceTransformerEmbedder())
    kb.search("warm up")
    cold: list[float] = []
    warm: list[float] = []
    for article in kb.index.articles:
        if article.elsewhere:
            continue
        query = kb.embedder.encode([article.questions[0]])[0]
        for times in (cold, warm):
            started = time.perf_counter()
            kb.passages.pick(article, query)
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(cold), statistics.median(warm)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", type=Path, help="put the results in this Markdown report")
    args = parser.parse_args()
    dialogues = load()
    articles = {a.id: a for a in read_articles(KnowledgeConfig.load().articles_dir)[0]}
    answer_lengths: list[int] = []
    whole_lengths: list[int] = []  # the same answers as the whole article
    with tempfile.TemporaryDirectory() as work, running_chat(Path(work)) as chat:
        players = Players(chat)

        def say(sender: str, tenant: str | None, text: str) -> Messages:
            messages = players.say(sender, tenant, text)
            # REST sends an answer's custom part as a message of its own: the turn's text is the answer's.
            answered = [c for c in (m.get("custom") or {} for m in messages) if c.get("decision") == "answer"]
            if answered:
                whole = articles[answered[0]["article_id"]]
                answer_lengths.append(sum(len(m.get("text") or "") for m in messages))
                whole_lengths.append(len(answer(whole.id, whole.title, whole.body)["text"]))
            return messages

        started = time.monotonic()
        outcomes = [play(d, say, players.tickets, players.chat.desk_reply) for d in dialogues]
        took = time.monotonic() - started
        players.close()
    cold_ms, warm_ms = passage_cost_ms()
    rows = []
    for point, meaning in POINTS.items():
        mine = [o for o in outcomes if o.dialogue.point == point]
        passed = sum(o.passed for o in mine)
        rows.append(f"| {point} | {meaning} | {len(mine)} | {passed} | {100 * passed / max(len(mine), 1):.0f}% |")
    passed = sum(o.passed for o in outcomes)
    turns = sum(len(d.turns) for d in dialogues)

    def shown(lengths: list[int]) -> str:
        p90 = statistics.quantiles(lengths, n=10)[8] if len(lengths) > 1 else 0.0
        return f"median {statistics.median(lengths or [0]):.0f}, 90th percentile {p90:.0f}"

    section = "\n".join(
        [
            "| point | what staff get | dialogues | passed | pass rate |",
            "|---|---|---|---|---|",
            *rows,
            f"| all | | {len(outcomes)} | {passed} | {100 * passed / len(outcomes):.0f}% |",
            "",
            f"{turns} turns in {took:.0f} s. Answers shown: {len(answer_lengths)}; characters of text per answer: "
            f"{shown(answer_lengths)} (the whole article, as every answer was before: {shown(whole_lengths)}). "
            f"Choosing the passage adds {cold_ms:.0f} ms to the first answer from an article and "
            f"{warm_ms:.2f} ms to later ones (medians over our articles).",
            "",
            machine_line("conversations.py"),
        ]
    )
    for outcome in outcomes:
        if not outcome.passed:
            print(f"FAILED {outcome.dialogue.source} {outcome.dialogue.name}", *outcome.problems, sep="\n  ")
    publish(section, "conversations", args.write)


if __name__ == "__main__":
    main()
