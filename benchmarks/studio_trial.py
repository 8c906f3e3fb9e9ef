"""The studio's "Try it" pane (bot/studio/trial.py) with the real model, warm (model loaded, dev
questions embedded): a question against the live index and a draft never tried before (the first
call builds the draft's index), the same draft again, and the impact check over the dev split's
questions, with a new draft and with one already built. Each question is embedded once per trial,
as in the pane (an editor types a new one each time). Each draft is new text throughout
(title, questions, body), so every one of its texts is embedded: the worst case for an editor.

    .venv-actions/bin/python benchmarks/studio_trial.py [--runs 10] [--write docs/benchmarks.md]

It reads a copy of the live index in a temporary folder, so a rebuild by another process during
the run changes nothing that is timed (and the live index is never touched either way).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script, from anywhere

from benchmarks.report import machine_line, publish
from bot.knowledge.articles import Article
from bot.knowledge.config import KnowledgeConfig
from bot.knowledge.embedding import SentenceTransformerEmbedder
from bot.knowledge.evaluation import load_queries
from bot.paths import DEV_QUESTIONS
from bot.studio.trial import Trials
from tests.fakes import make_article
from tests.index_copy import copy_index

QUESTION = "my smart locker won't open"
AGAIN = (  # what an editor tries next against the same draft: each question is embedded once, as in the pane
    "locker app says my locker is unavailable",
    "how do I book a locker for tomorrow",
    "I left my laptop in a locker and it won't unlock",
    "the smart locker screen is blank",
    "can I keep my locker overnight",
    "lost my locker pin",
    "locker door stuck shut",
    "who do I ask about the lockers on floor 3",
    "my badge doesn't open the locker",
    "the vpn won't connect from home",
)
SECTION = "studio-trial"
T = TypeVar("T")


def locker_draft(n: int) -> Article:
    """The ``n``-th editor's draft: a new article whose every text is new."""
    return make_article(
        f"smart-lockers-{n}",
        title=f"Smart lockers in the hybrid offices (take {n})",
        category="devices",
        status="draft",
        questions=(f"my smart locker won't open, try {n}", f"the locker app won't unlock locker {n}"),
        body=f"Open the Lockers app, choose locker {n} and tap Unlock. If it stays shut, tell the service desk.",
    )


def timed(call: Callable[[], T]) -> tuple[float, T]:
    started = time.perf_counter()
    result = call()
    return (time.perf_counter() - started) * 1000, result


def row(name: str, times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"| {name} | {len(times)} | {statistics.median(times):.0f} | {p95:.0f} | {max(times):.0f} |"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--write", type=Path, help="also write the section into this Markdown report")
    args = parser.parse_args()

    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="askit-bench-") as scratch:
        live = KnowledgeConfig.load()
        questions = len(load_queries(DEV_QUESTIONS))
        config = dataclasses.replace(live, index_dir=copy_index(live.index_dir, Path(scratch) / "index"))
        with Trials(config, SentenceTransformerEmbedder()) as trials:
            cold_ms, _ = timed(partial(trials.try_question, QUESTION, None, None))
            first_impact_ms, _ = timed(partial(trials.impact, locker_draft(-1)))
            times: dict[str, list[float]] = {
                "live only (no draft)": [],
                "new draft, first trial (builds its index)": [],
                "same draft again": [],
                f"impact, new draft ({questions} questions, builds its index)": [],
                f"impact, draft already built ({questions} questions)": [],
                "near-duplicate check": [],
            }
            live_only, first, again, impact_new, impact_built, duplicates = times.values()
            changed = set()
            for n in range(args.runs):
                draft, other = locker_draft(n), locker_draft(1000 + n)
                live_only.append(timed(partial(trials.try_question, QUESTION, None, None))[0])
                ms, trial = timed(partial(trials.try_question, QUESTION, None, draft))
                assert trial.draft.article_ids == (draft.id,), trial.draft
                first.append(ms)
                again.extend(timed(partial(trials.try_question, q, "riverside", draft))[0] for q in AGAIN)
                impact_built.append(timed(partial(trials.impact, draft))[0])
                ms, changes = timed(partial(trials.impact, other))
                impact_new.append(ms)
                changed.add(len(changes))
                duplicates.append(timed(partial(trials.near_duplicates, draft))[0])

    lines = [
        f"The studio's trials (`Trials`), warm: {args.runs} new drafts, each then tried with {len(AGAIN)} other "
        "questions; milliseconds.",
        "",
        "| what | runs | p50 | p95 | max |",
        "|---|---|---|---|---|",
        *(row(name, values) for name, values in times.items()),
        "",
        f"Once per process: the first question (loads the model) {cold_ms:.0f} ms; the first impact check "
        f"(embeds the {questions} dev questions, ranks them live, builds a draft) {first_impact_ms:.0f} ms. "
        f"Dev questions whose outcome a locker draft changed: {sorted(changed)}. Load average (1 min) "
        f"{load_before:.1f} before the run, {os.getloadavg()[0]:.1f} after: other work shares the cores.",
        "",
        machine_line("studio_trial.py"),
    ]
    publish("\n".join(lines), SECTION, args.write)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
