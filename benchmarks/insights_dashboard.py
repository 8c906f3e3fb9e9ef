"""How long the insights dashboard takes to answer a manager over a year of a 12,000-staff
organisation's questions (about 300,000): a generated year (tests/insights/test_figures.py) loaded
by the real loader into a SQLite store, then the page and one CSV asked for through the back
office's own application (Starlette's test client: no network, all of the page's work).

    .venv-actions/bin/python benchmarks/insights_dashboard.py --conversations 250000
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

from starlette.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script, from anywhere

from bot import sql
from bot.backoffice.app import create_app
from bot.backoffice.insights import insights_routes
from bot.backoffice.settings import load_settings
from bot.backoffice.storage import open_storage
from bot.insights.settings import InsightsSettings
from bot.insights.store import InsightsStore
from tests.backoffice.conftest import BASE_URL, Browser
from tests.insights.test_figures import DAY, history

TIMES = 5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=250_000, help="a generated year's conversations")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        log = history(size=args.conversations, seed=13, start=time.time() - 365 * DAY, days=365).log
        events = log.write(Path(folder) / "events.db")
        db = open_storage(str(Path(folder) / "backoffice.sqlite"))
        store = InsightsStore(db)
        loaded = store.load(sql.open_database(events))
        print(f"generated and loaded {loaded.events:,} events ({loaded.questions:,} questions) "
              f"in {time.perf_counter() - started:.0f} s")  # fmt: skip
        settings = load_settings({"ASKIT_BACKOFFICE_SECRET": "b" * 40}, dev=True, port=5057)
        app = create_app(settings, db, dev=True, routes=insights_routes(store, InsightsSettings.load()))
        with TestClient(app, base_url=BASE_URL) as client:
            browser = Browser(client)
            browser.sign_in("manager")
            for name, path in (
                ("the page, all councils", "/insights"),
                ("the page, one council", "/insights?council=riverside"),
                ("the weekly table as CSV", "/insights/weeks.csv"),
            ):
                took = []
                for _ in range(TIMES):
                    begun = time.perf_counter()
                    assert client.get(path).status_code == 200
                    took.append(time.perf_counter() - begun)
                print(f"{name}: median {statistics.median(took) * 1000:,.0f} ms, worst {max(took) * 1000:,.0f} ms")
    print(f"machine: {platform.machine()}, Python {platform.python_version()}, {TIMES} requests each")


if __name__ == "__main__":
    main()
