"""``python -m bot.backoffice --host 127.0.0.1 --port N [--dev]``: the back office under uvicorn.
Settings come from the environment only (bot/backoffice/settings.py); a wrong one stops the start
with one line naming it."""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import secrets
import sys
import time
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.routing import Route

from bot.backoffice.agents import agents_routes
from bot.backoffice.app import create_app
from bot.backoffice.incidents import incidents_routes
from bot.backoffice.insights import insights_routes
from bot.backoffice.settings import SECRET, load_settings
from bot.backoffice.storage import open_storage
from bot.backoffice.studio import scheduled_publisher, studio_routes
from bot.backoffice.studio_inbox import inbox_routes
from bot.backoffice.studio_starters import starters_routes
from bot.config import ConfigurationError
from bot.handoff.environment import LiveChatEnvironment
from bot.identity import load_tenants
from bot.incidents.store import IncidentStore
from bot.insights.incidents import incident_titles
from bot.insights.loader import loading_job
from bot.insights.settings import InsightsSettings
from bot.insights.store import InsightsStore
from bot.knowledge.config import KnowledgeConfig
from bot.knowledge.errors import KnowledgeError
from bot.paths import KNOWLEDGE_BASE_DIR
from bot.periodic import Periodic
from bot.secret import install_log_redaction
from bot.servicedesk.triage import Router
from bot.sql import Database, DatabaseError
from bot.studio.engine import LazyTrials, escalation_groups
from bot.studio.folder import ArticleFolder
from bot.studio.inbox import Inbox
from bot.studio.inbox_store import InboxStore
from bot.studio.settings import StudioSettings
from bot.studio.starters import LiveArticles, StarterStore
from bot.studio.store import StudioStore
from bot.studio.workflow import Studio

DEFAULT_PORT = 5057
ROUTING_SETTING = "ASKIT_ROUTING_FILE"  # as bot/services.py reads it
LOG_FORMAT = "%(asctime)s back office: %(message)s"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot.backoffice", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--dev", action="store_true", help="add the development sign-in; loopback only")
    return parser


def build(env: dict[str, str], *, dev: bool, port: int) -> Starlette:
    """The back office as ``env`` configures it: its own settings, and the live chat's handoff.yml
    (ASKIT_HANDOFF_FILE) as the Rasa server's broker reads it, so the console's groups are the broker's."""
    settings = load_settings(env, dev=dev, port=port)
    db = open_storage(settings.database)
    insights = InsightsSettings.load()
    incidents = IncidentStore(db, load_tenants().ids)
    store = InsightsStore(db, insights.deflection_days)
    studio, scheduled = studio_pages(env, db, store)
    loading = loading_job(store, insights, env)
    pages = [
        *studio,
        *insights_routes(store, insights, lambda: incident_titles(incidents)),
        *agents_routes(LiveChatEnvironment.from_env(env).settings),
        *incidents_routes(incidents),
    ]
    return create_app(settings, db, dev=dev, routes=pages, jobs=[scheduled, *([loading] if loading else [])])


def studio_pages(env: dict[str, str], db: Database, insights: InsightsStore) -> tuple[list[Route], Periodic]:
    """The studio and its inbox on the articles folder and index the bot serves (ASKIT_ARTICLES_DIR,
    ASKIT_INDEX_DIR) and the insights store, and the job that publishes scheduled articles; the model
    for "Try it" and the near-duplicate check is loaded on first use, not at start."""
    try:
        config = KnowledgeConfig.load(env)
    except KnowledgeError as exc:
        raise ConfigurationError(str(exc)) from None
    routing = Path(env.get(ROUTING_SETTING) or KNOWLEDGE_BASE_DIR / "routing.yml")
    lazy = LazyTrials(config)
    folder = ArticleFolder(config.articles_dir)
    own = StudioSettings.load(env, folder.categories()).self_approval
    studio = Studio(StudioStore(db), folder, config.tenants, time.time, (lazy.near_duplicates,), own)
    groups = escalation_groups(Router.load(routing), folder.articles()[0])
    inbox = Inbox(studio, InboxStore(db), insights)
    routes = [
        *studio_routes(
            studio,
            lambda since: insights.articles(since),
            lazy.get,
            groups,
            warm=lazy.warm_soon,
            inbox=inbox.work,
            gap_examples=inbox.gap_examples,
        ),
        *inbox_routes(inbox),
        *starters_routes(StarterStore(db), LiveArticles(config.index_dir)),
    ]
    return routes, scheduled_publisher(studio, db)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    install_log_redaction()
    env = dict(os.environ)
    if args.dev:
        if not ipaddress.ip_address(args.host).is_loopback:
            print(
                "cannot start the back office: --dev signs anyone in, so it listens on loopback only", file=sys.stderr
            )
            return 2
        # A key made for this run: development sessions end when it stops.
        env.setdefault(SECRET, secrets.token_urlsafe(32))
    try:
        app = build(env, dev=args.dev, port=args.port)
    except (ConfigurationError, DatabaseError, ValueError) as exc:  # ValueError: a malformed EVENTS_AMQP_URL
        print(f"cannot start the back office: {exc}", file=sys.stderr)
        return 2
    # Behind a proxy only the proxy's forwarded headers would be wrong to trust: the app builds its
    # own addresses from ASKIT_BACKOFFICE_PUBLIC_URL instead.
    uvicorn.run(app, host=args.host, port=args.port, proxy_headers=False, log_config=None, access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
