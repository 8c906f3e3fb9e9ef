"""``python -m bot.insights``: load the events into the insights store, and print the figures,
the articles and the content gaps.

    python -m bot.insights load                      # the events since the last load
    python -m bot.insights figures [--by council|channel|week|month] [--council X] [--since D] [--until D]
    python -m bot.insights articles [--since D] [--until D]
    python -m bot.insights gaps [--council X] [--since D] [--until D] [--save]
    python -m bot.insights report --month 2026-11 [--council X] [--out var/reports] [--no-pdf]

EVENTS_DB_URL is where Rasa's event broker writes (endpoints.yml; var/events.db by default); with
EVENTS_AMQP_URL set, Rasa publishes to RabbitMQ and ``load`` first moves the queued events there.
Once loaded, events and question text older than retention_days are deleted.
ASKIT_BACKOFFICE_DB is the back office's database, which holds the insights store
(var/backoffice.sqlite by default, or a postgresql:// URL).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from bot import sql
from bot.config import ConfigurationError
from bot.identity import load_tenants
from bot.incidents.store import IncidentStore
from bot.insights import figures as f
from bot.insights.incidents import incident_titles
from bot.insights.loader import load_once
from bot.insights.relay import RelayError
from bot.insights.settings import InsightsSettings
from bot.insights.store import GROUPS, InsightsStore
from bot.paths import VAR_DIR


def store_location(env: Mapping[str, str] = os.environ) -> str:
    return env.get("ASKIT_BACKOFFICE_DB") or str(VAR_DIR / "backoffice.sqlite")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.insights", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("load", help="load the events since the last load")
    for name in ("figures", "articles", "gaps"):
        command = commands.add_parser(name)
        command.add_argument("--since", type=dt.date.fromisoformat, help="first day (YYYY-MM-DD)")
        command.add_argument("--until", type=dt.date.fromisoformat, help="the day after the last")
        command.add_argument("--council", help="one council's questions only")
        if name == "figures":
            command.add_argument("--by", choices=sorted(GROUPS), help="a row per council, channel, week or month")
        if name == "gaps":
            command.add_argument("--save", action="store_true", help="keep them for the dashboard (every council)")
    report = commands.add_parser("report", help="the month's report for the joint committee (HTML and PDF)")
    report.add_argument("--month", required=True, help="YYYY-MM")
    report.add_argument("--council", help="one council's report")
    report.add_argument("--out", type=Path, default=VAR_DIR / "reports", help="where to write it")
    report.add_argument("--no-pdf", action="store_true", help="the HTML only (no Chromium needed)")
    args = parser.parse_args(argv)
    try:
        settings = InsightsSettings.load()
        store = InsightsStore.open(store_location(), settings.deflection_days)
        if args.command == "load":
            print(load_once(store, settings).summary())
        elif args.command == "report":
            from bot.insights.report import Month, write_report

            month, pdf = Month.parse(args.month), not args.no_pdf
            titles = incident_titles(IncidentStore(store.db, load_tenants().ids))
            for path in write_report(store, settings, month, args.council, args.out, pdf, titles):
                print(path)
        else:
            since = _epoch(args.since) if args.since else 0.0
            until = _epoch(args.until) if args.until else float("inf")
            if args.command == "figures":
                rows = store.figures(since, until, args.council, args.by)
                per_council = store.figures(since, until, args.council, "council")
                print(_figures_table(rows, f.cost_avoided(per_council, settings.costs, settings.default_cost)))
            elif args.command == "articles":
                print(_articles_table(store.articles(since, until, args.council)))
            elif args.save and args.council:
                raise ValueError("--save keeps every council's gaps (the dashboard shows each council its own)")
            else:
                from bot.insights.gaps import gap_questions, gaps  # scikit-learn and the model: only here
                from bot.knowledge.embedding import SentenceTransformerEmbedder

                asked = gap_questions([q for q in store.questions(since, until) if args.council in (None, q.tenant)])
                found = gaps(asked, SentenceTransformerEmbedder())
                if args.save:
                    store.save_gaps(f.GapRun(time.time(), since, until, len(asked), found))
                print(_gaps_text(found))
        return 0
    except (ConfigurationError, sql.DatabaseError, ValueError, RelayError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _epoch(day: dt.date) -> float:
    return dt.datetime.combine(day, dt.time(), dt.timezone.utc).timestamp()


def _gaps_text(found: list[f.Gap]) -> str:
    lines = []
    for gap in found:
        lines.append(f"{gap.size:5}  {gap.label}  ({f.councils_text(gap.councils)})")
        lines.extend(f"       - {example}" for example in gap.examples)
    return "\n".join(lines) or f"no content gaps: no topic with {f.MIN_CLUSTER} or more questions"


def _figures_table(rows: Mapping[str, f.Figures], cost: tuple[float, float]) -> str:
    head = "group          questions confirmed potential not-deflected unresolved containment helpful coverage"
    lines = [head]
    for name, row in rows.items():
        lines.append(
            f"{name[:14]:14} {row.questions:9} {row.confirmed:9} {row.potential:9} {row.not_deflected:13} "
            f"{row.unresolved:10} {f.percent(row.containment):>11} {f.percent(row.helpful):>7} "
            f"{f.percent(row.coverage):>8}"
        )
    lines.append(f"\ncost avoided: {cost[0]:,.2f} to {cost[1]:,.2f} (confirmed, and confirmed + potential)")
    return "\n".join(lines) + "\n\n" + "\n".join(f"{term}: {meaning}" for term, meaning in f.DEFINITIONS)


def _articles_table(rows: list[f.ArticleFigures]) -> str:
    lines = ["article                               answers helped not-helped helpful tickets"]
    for row in rows:
        lines.append(
            f"{row.article_id[:36]:36} {row.answers:8} {row.helped:6} {row.not_helped:10} "
            f"{f.percent(row.helpful):>7} {row.tickets:7}"
        )
    return "\n".join(lines)
