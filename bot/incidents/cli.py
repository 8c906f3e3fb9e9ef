"""``python -m bot.incidents``: declare, update and resolve known incidents from the command line,
and list or show them. One line on success; on a mistake one line naming the field, exit status 2.

    python -m bot.incidents declare --title T --summary S --question Q [--question Q ...]
        --council riverside [--council ...] | --council all
        [--service S ...] [--workaround W] [--next-update 2026-12-01T10:00] [--desk-ref MI-123]
    python -m bot.incidents update ID [--status identified] [--summary S] [--workaround W]
        [--next-update T] [--text "what subscribers are told"] [--version N]
    python -m bot.incidents resolve ID [--text T]
    python -m bot.incidents list [--council X] [--all]
    python -m bot.incidents show ID

Times without an offset are the desk's (Europe/London). ASKIT_BACKOFFICE_DB is the back office's
database, where incidents live (var/backoffice.sqlite by default, or a postgresql:// URL).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Mapping, Sequence
from typing import NoReturn

from bot import sql
from bot.config import ConfigurationError, read_settings
from bot.handoff.environment import DATABASE
from bot.incidents.errors import IncidentError, shown_time
from bot.incidents.models import STATUSES, Incident
from bot.incidents.parsing import TIME_HINT, changes, declaration, typed
from bot.incidents.store import IncidentStore

TIME_OPTION = "--next-update"  # named in a mistake in the time, as the person typed it


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] = os.environ) -> int:
    args = _parser().parse_args(argv)
    try:
        store = IncidentStore.open(read_settings(env, (DATABASE,))[DATABASE.name])
        print(_run(store, args, time.time()))
        return 0
    except (IncidentError, ConfigurationError, sql.DatabaseError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _run(store: IncidentStore, args: argparse.Namespace, now: float) -> str:
    if args.command == "declare":
        fields = declaration(
            title=args.title,
            summary=args.summary,
            questions=args.question,
            councils=args.council,
            services=args.service,
            workaround=args.workaround,
            next_update=args.next_update,
            desk_ref=args.desk_ref,
            time_field=TIME_OPTION,
        )
        incident = store.declare(fields, source="cli", now=now)
        return f"declared {incident.id}: {incident.title} ({_scope(incident)}, {incident.status})"
    if args.command == "update":
        current = store.get(args.id)
        incident = store.update(
            args.id,
            current.version if args.version is None else args.version,
            now=now,
            **changes(
                status_text=args.status,
                summary=args.summary,
                workaround=args.workaround,
                next_update=args.next_update,
                text=args.text,
                time_field=TIME_OPTION,
            ),
        )
        if incident.version == current.version:
            return f"{incident.id} unchanged: it already says that (version {incident.version})"
        return f"updated {incident.id} to version {incident.version}: {incident.status}"
    if args.command == "resolve":
        incident = store.resolve(args.id, now=now, text=typed("text", args.text))
        return f"resolved {incident.id} at {shown_time(now)} (version {incident.version})"
    if args.command == "list":
        found = store.listed(args.council, resolved=args.all)
        return "\n".join(_line(i) for i in found) or f"no {'' if args.all else 'active '}incidents"
    return _shown(store, store.get(args.id))


class _Parser(argparse.ArgumentParser):
    """A mistake in the arguments is one line too, not the usage."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {message} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m bot.incidents", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    declare = commands.add_parser("declare", help="a new known incident")
    declare.add_argument("--title", required=True, help="a short heading, as the card shows it")
    declare.add_argument("--summary", required=True, help="what staff will notice, one or two sentences")
    declare.add_argument("--question", action="append", default=[], help="how staff would describe it (repeat)")
    declare.add_argument("--council", action="append", default=[], help="a council affected (repeat), or all")
    declare.add_argument("--service", action="append", default=[], help="a service affected (repeat)")
    declare.add_argument("--desk-ref", help="the desk's major incident or problem reference")
    update = commands.add_parser("update", help="say what is known now")
    update.add_argument("id")
    update.add_argument("--status", help=f"one of {', '.join(STATUSES[:-1])} (resolve with resolve)")
    update.add_argument("--summary", help="what staff will notice now")
    update.add_argument("--text", help="what subscribers are told (default: the summary)")
    update.add_argument("--version", type=int, help="the version you read (show prints it); default: the latest")
    for command in (declare, update):
        command.add_argument("--workaround", help="what staff can do meanwhile")
        command.add_argument("--next-update", help=f"when the next update is due, {TIME_HINT}")
    resolve = commands.add_parser("resolve", help="it is fixed: subscribers are told, once")
    resolve.add_argument("id")
    resolve.add_argument("--text", help="what subscribers are told")
    listing = commands.add_parser("list", help="the active incidents, one a line")
    listing.add_argument("--council", help="those that concern this council")
    listing.add_argument("--all", action="store_true", help="resolved ones too")
    show = commands.add_parser("show", help="one incident, its counts and its changes")
    show.add_argument("id")
    return parser


def _scope(incident: Incident) -> str:
    return ", ".join(incident.councils)


def _line(incident: Incident) -> str:
    since = shown_time(incident.started_at)
    return f"{incident.id}  {incident.status:13}  since {since}  {incident.title}  ({_scope(incident)})"


def _shown(store: IncidentStore, incident: Incident) -> str:
    optional = {"workaround": incident.workaround, "desk ref": incident.desk_ref}
    if incident.next_update_at is not None:
        optional["next update"] = shown_time(incident.next_update_at)
    if incident.resolved_at is not None:
        optional["resolved"] = shown_time(incident.resolved_at)
    lines = [
        f"{incident.id}: {incident.title} (version {incident.version}, {incident.status}, from {incident.source})",
        f"councils: {_scope(incident)}; services: {', '.join(incident.services) or '-'}",
        f"since: {shown_time(incident.started_at)}; updated: {shown_time(incident.updated_at)}",
        f"summary: {incident.summary}",
        *(f"{name}: {value}" for name, value in optional.items() if value is not None),
        *(f"question: {q}" for q in incident.questions),
        f"affected: {len(store.affected_users(incident.id))}; subscribed: {len(store.subscribers(incident.id))}",
        *(f"v{c.version} {shown_time(c.at)} {c.status}: {c.text}" for c in store.changes_after(incident.id, 0)),
    ]
    return "\n".join(lines)
