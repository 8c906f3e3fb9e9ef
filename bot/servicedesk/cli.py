"""``python -m bot.servicedesk``: operator commands for the configured service desk."""

from __future__ import annotations

import argparse
import json
import sys

from bot.servicedesk.errors import ServiceDeskError
from bot.servicedesk.local import LocalServiceDesk
from bot.servicedesk.registry import create_service_desk


def _tickets(args: argparse.Namespace) -> int:
    desk = create_service_desk()
    if not isinstance(desk, LocalServiceDesk):
        print(f"'tickets' lists the local desk only; the configured desk is {desk.name!r}", file=sys.stderr)
        return 2
    tickets = desk.all_tickets()
    if args.json:
        print(json.dumps(tickets, indent=2, ensure_ascii=False))
    else:
        for t in tickets:
            print(f"{t['ref']}  {t['status']:<8} {t['priority']}  {t['resolver_group']:<20} {t['summary']}")
        print(f"{len(tickets)} ticket(s) in {desk.path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.servicedesk", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    tickets = commands.add_parser("tickets", help="list the tickets in the built-in local desk")
    tickets.add_argument("--json", action="store_true", help="print every field, as JSON")
    args = parser.parse_args(argv)
    try:
        return {"tickets": _tickets}[args.command](args)
    except ServiceDeskError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
