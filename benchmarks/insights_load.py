"""How fast the insights loader reads Rasa's events (judging each question as they arrive), and
how fast the figures are read back as SQL aggregates. The history is generated
(tests/insights/test_figures.py: conversations whose outcomes are known) and written as Rasa's SQL
event broker writes it, to SQLite files in a temporary folder.

    .venv-actions/bin/python benchmarks/insights_load.py --events 1000000
    .venv-actions/bin/python benchmarks/insights_load.py --events 100000 --rabbitmq

With --rabbitmq the events first go through a real RabbitMQ node (tests/rabbitmq_server.py), as with
EVENTS_AMQP_URL: published to its queue, then moved into the events table by the loader's relay.
Last, the retention pass deletes every loaded event, as a load does once they are old.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script, from anywhere

from bot import sql
from bot.amqp_url import AmqpUrl
from bot.insights.events import forget_events
from bot.insights.relay import relay
from bot.insights.store import InsightsStore
from tests.insights.test_figures import history
from tests.insights.test_relay import publish
from tests.rabbitmq_server import RabbitMQServer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="about how many events to load")
    parser.add_argument("--rabbitmq", action="store_true", help="through a real RabbitMQ first")
    args = parser.parse_args()
    conversations = max(1, args.events // 10)  # a generated conversation is about 10 events
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        log = history(size=conversations, seed=11).log
        made = time.perf_counter() - started
        if args.rabbitmq:
            events = Path(folder) / "events.db"
            through_rabbitmq(log.events, events)
        else:
            events = log.write(Path(folder) / "events.db")
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
        started = time.perf_counter()
        gone = forget_events(sql.open_database(events), float("inf"), loaded.last_event)
        forgot = time.perf_counter() - started
    print(f"machine: {platform.machine()}, Python {platform.python_version()}")
    print(f"generated {len(log.events):,} events of {conversations:,} conversations in {made:.1f} s")
    print(f"loaded {loaded.events:,} events in {took:.1f} s ({loaded.events / took:,.0f} events/s): "
          f"{loaded.questions:,} questions, {loaded.tickets:,} tickets")  # fmt: skip
    print(f"the dashboard's queries (overall, by council, channel, week and month, per article): {queried:.2f} s")
    print(f"retention: {gone:,} loaded events deleted in {forgot:.1f} s")


def through_rabbitmq(events: list[dict[str, object]], table: Path) -> None:
    server = RabbitMQServer()
    try:
        amqp = AmqpUrl.parse(server.url())
        bodies = [json.dumps(e).encode() for e in events]
        started = time.perf_counter()
        publish(amqp, bodies)
        published = time.perf_counter() - started
        started = time.perf_counter()
        moved = relay(amqp, sql.open_database(table))
        took = time.perf_counter() - started
    finally:
        server.stop()
    print(f"published {len(bodies):,} events to RabbitMQ in {published:.1f} s; the relay moved {moved:,} "
          f"into the events table in {took:.1f} s ({moved / took:,.0f} events/s)")  # fmt: skip


if __name__ == "__main__":
    main()
