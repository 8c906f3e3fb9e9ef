"""How fast the insights loader reads Rasa's events (judging each question as they arrive), and
how fast the figures are read back as SQL aggregates. The history is generated
(tests/insights/test_figures.py: conversations whose outcomes are known) and written as Rasa's SQL
event broker writes it, to SQLite files in a temporary folder.

    .venv-actions/bin/python benchmarks/insights_load.py --events 1000000
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script, from anywhere

from bot import sql
from bot.insights.store import InsightsStore
from tests.insights.test_figures import history


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="about how many events to load")
    args = parser.parse_args()
    conversations = max(1, args.events // 10)  # a generated conversation is about 10 events
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        log = history(size=conversations, seed=11).log
        events = log.write(Path(folder) / "events.db")
        made = time.perf_counter() - started
        store = InsightsStore.open(Path(folder) / "insights.sqlite")
        started = time.perf_counter()
        loaded = store.load(sql.open_database(events))
        took = time.perf_counter() - started
        started = time.perf_counter()
        store.figures()
        for by in ("council", "channel", "week", "month"):
            store.figures(by=by)
        store.articles()
        queried = time.perf_counter() - started
    print(f"machine: {platform.machine()}, Python {platform.python_version()}")
    print(f"generated {len(log.events):,} events of {conversations:,} conversations in {made:.1f} s")
    print(f"loaded {loaded.events:,} events in {took:.1f} s ({loaded.events / took:,.0f} events/s): "
          f"{loaded.questions:,} questions, {loaded.tickets:,} tickets")  # fmt: skip
    print(f"the dashboard's queries (overall, by council, channel, week and month, per article): {queried:.2f} s")


if __name__ == "__main__":
    main()
