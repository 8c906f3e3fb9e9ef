"""``python -m bot.servicedesk``: operator commands for the configured service desk and the outbox.

settings [--desk NAME]      every desk's settings as declared (required, secret, default, kind) and
                            whether this environment sets them; secrets' values are never shown
check [--offline]           are the configured desk's settings valid, and (without --offline) can
                            AskIT reach the desk with its credentials?
create --summary --requester   raise a test ticket straight away (not through the outbox)
outbox [--state dead]       what the outbox holds
retry RECEIPT | --dead      send parked (dead) requests again
worker                      deliver the outbox (the action server also does this itself)
tickets [--json]            the tickets in the built-in local desk
reply REF TEXT              answer a ticket in the built-in local desk, as the service desk
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import signal
import sys
import uuid

from bot.config import Setting
from bot.priority import PRIORITIES
from bot.secret import install_log_redaction
from bot.servicedesk.errors import ServiceDeskError, Unsupported
from bot.servicedesk.local import LocalServiceDesk
from bot.servicedesk.models import Requester, TicketRequest
from bot.servicedesk.outbox import DEAD
from bot.servicedesk.registry import (
    ADAPTERS,
    DEFAULT_DESK,
    DESK_SETTING,
    SETTINGS,
    configured_desk,
    create_outbox,
    create_service_desk,
)
from bot.servicedesk.worker import RETRY_SETTINGS, OutboxWorker, RetryPolicy

CHECK_CORRELATION_ID = "askit-connectivity-check"


def _local_desk(command: str) -> LocalServiceDesk | None:
    desk = create_service_desk()
    if not isinstance(desk, LocalServiceDesk):
        print(f"{command!r} works on the local desk only; the configured desk is {desk.name!r}", file=sys.stderr)
        return None
    return desk


def _reply(args: argparse.Namespace) -> int:
    desk = _local_desk("reply")
    if desk is None:
        return 2
    desk.reply(args.ref, args.text)
    print(f"replied to {args.ref}")
    return 0


def _tickets(args: argparse.Namespace) -> int:
    desk = _local_desk("tickets")
    if desk is None:
        return 2
    tickets = desk.all_tickets()
    if args.json:
        print(json.dumps(tickets, indent=2, ensure_ascii=False))
    else:
        for t in tickets:
            print(f"{t['ref']}  {t['status']:<8} {t['priority']}  {t['resolver_group']:<20} {t['summary']}")
        print(f"{len(tickets)} ticket(s) in {desk.path}")
    return 0


def _described(setting: Setting) -> str:
    need = ("required" if setting.required else "optional") + (", secret" if setting.secret else "")
    if setting.name in os.environ:
        state = "set"
    else:
        state = f"default {setting.shown_default}" if setting.default is not None else "not set"
    return f"  {setting.name}  [{need}; {state}]\n      {setting.help} ({setting.kind.describe})"


def _settings(args: argparse.Namespace) -> int:
    configured = os.environ.get(DESK_SETTING, DEFAULT_DESK).strip().lower()
    groups: dict[str, tuple[Setting, ...]] = {"every desk": (*SETTINGS, *RETRY_SETTINGS)}
    groups |= {name: adapter.settings for name, adapter in sorted(ADAPTERS.items()) if args.desk in (None, name)}
    for title, declared in groups.items():
        print(title + ("  (the configured desk)" if title == configured else ""))
        print("\n".join(_described(setting) for setting in declared))
    return 0


def _check(args: argparse.Namespace) -> int:
    desk = create_service_desk()  # reads every setting the desk declares: ConfigError names a bad one
    if args.offline:
        print(f"ok: the {desk.name} desk's {len(configured_desk().settings)} settings are valid")
        return 0
    try:
        desk.find_by_correlation(CHECK_CORRELATION_ID)
        how = "searched for a ticket"
    except Unsupported:
        desk.list_open(Requester(id="askit-check", email=args.requester))
        how = "listed open tickets"
    print(f"ok: the {desk.name} desk answered ({how}) with the configured credentials")
    return 0


def _create(args: argparse.Namespace) -> int:
    desk = create_service_desk()
    request = TicketRequest(
        summary=args.summary,
        description=f"{args.summary}\n\nTest ticket raised by an operator with 'python -m bot.servicedesk create'.",
        requester=Requester(id=args.requester, email=args.requester if "@" in args.requester else None),
        category=args.category,
        priority=args.priority,
        resolver_group=args.group,
        correlation_id=str(uuid.uuid4()),
    )
    ticket = desk.create_ticket(request)
    print(f"created {ticket.ref} {ticket.url or ''}".rstrip())
    return 0


def _outbox(args: argparse.Namespace) -> int:
    outbox = create_outbox()
    for e in outbox.entries(args.state):
        when = dt.datetime.fromtimestamp(e.created_at, dt.timezone.utc).strftime("%Y-%m-%d %H:%M")
        print(f"{e.receipt}  {e.state:<9} {e.attempts:>2} tries  {when}  {e.ref or '-':<12} {e.request.summary}")
        if e.last_error and e.state != "delivered":
            print(f"    last error: {e.last_error}")
    print(", ".join(f"{n} {state}" for state, n in sorted(outbox.counts().items())) or "the outbox is empty")
    return 0


def _retry(args: argparse.Namespace) -> int:
    if not args.receipt and not args.dead:
        print("name a receipt (e.g. ASKIT-1A2B3C4D) or pass --dead for every parked request", file=sys.stderr)
        return 2
    count = create_outbox().requeue_dead(None if args.dead else args.receipt)
    print(f"{count} request(s) will be sent again by the worker")
    return 0 if count else 1


def _worker(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    install_log_redaction()
    worker = OutboxWorker(create_outbox(), create_service_desk(), RetryPolicy.from_env(os.environ))
    signal.signal(signal.SIGTERM, lambda *_: worker.stop(timeout=0))
    if args.once:
        print(f"{worker.deliver_due()} request(s) attempted")
        return 0
    worker.run()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.servicedesk", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    tickets = commands.add_parser("tickets", help="list the tickets in the built-in local desk")
    tickets.add_argument("--json", action="store_true", help="print every field, as JSON")
    reply = commands.add_parser("reply", help="answer a ticket in the built-in local desk, as the service desk")
    reply.add_argument("ref", help="the ticket's reference, LOC-...")
    reply.add_argument("text", help="what the requester will read")
    listing = commands.add_parser("settings", help="list every desk's declared settings")
    listing.add_argument("--desk", choices=sorted(ADAPTERS), help="only this desk's")
    check = commands.add_parser("check", help="check the configured desk's settings, and that it answers")
    check.add_argument("--requester", default="askit-check@example.invalid", help="e-mail used if the desk lists")
    check.add_argument("--offline", action="store_true", help="check the settings only; do not call the desk")
    create = commands.add_parser("create", help="raise a test ticket in the configured desk")
    create.add_argument("--summary", required=True)
    create.add_argument("--requester", required=True, help="the requester's e-mail")
    create.add_argument("--category", default="service-desk")
    create.add_argument("--priority", default=PRIORITIES[-1], choices=PRIORITIES)
    create.add_argument("--group", default="service-desk", help="AskIT resolver group")
    outbox = commands.add_parser("outbox", help="list the outbox")
    outbox.add_argument("--state", choices=("pending", "sending", "delivered", DEAD))
    retry = commands.add_parser("retry", help="send parked requests again")
    retry.add_argument("receipt", nargs="?", help="a receipt (ASKIT-...) or correlation id")
    retry.add_argument("--dead", action="store_true", help="every parked request")
    worker = commands.add_parser("worker", help="deliver the outbox until stopped")
    worker.add_argument("--once", action="store_true", help="deliver what is due now, then exit")
    args = parser.parse_args(argv)
    handlers = {
        "tickets": _tickets,
        "reply": _reply,
        "settings": _settings,
        "check": _check,
        "create": _create,
        "outbox": _outbox,
        "retry": _retry,
        "worker": _worker,
    }
    try:
        return handlers[args.command](args)
    except (ServiceDeskError, ValueError) as exc:
        print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
