"""Pick the service-desk adapter named in configuration, and fail at start-up if it cannot work.

Each adapter declares its settings as data (``settings``: name, kind, required, secret, default);
``python -m bot.servicedesk settings`` lists them and every read checks them (bot/config.py).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from bot.config import POSITIVE_SECONDS, Kind, Setting, choice, read_settings
from bot.paths import VAR_DIR
from bot.servicedesk.base import ServiceDesk
from bot.servicedesk.errors import ConfigError
from bot.servicedesk.freshservice import FreshserviceDesk
from bot.servicedesk.hornbill import HornbillDesk
from bot.servicedesk.jira_sm import JiraSmDesk
from bot.servicedesk.local import DB_SETTING as LOCAL_DB_SETTING
from bot.servicedesk.local import DEFAULT_DB as DEFAULT_LOCAL_DB
from bot.servicedesk.local import LocalServiceDesk
from bot.servicedesk.outbox import Outbox
from bot.servicedesk.rt import RequestTrackerDesk
from bot.servicedesk.servicenow import ServiceNowDesk
from bot.servicedesk.webhook import WebhookDesk
from bot.servicedesk.zendesk import ZendeskDesk

DESK_SETTING = "ASKIT_SERVICE_DESK"
DEFAULT_DESK = "local"
OUTBOX_SETTING = "ASKIT_OUTBOX_DB"  # a SQLite file, or a postgresql:// URL
DEFAULT_OUTBOX = VAR_DIR / "outbox.sqlite"
LEASE_SETTING = "ASKIT_OUTBOX_LEASE"  # seconds a worker may hold a request before another takes it over
__all__ = ["DEFAULT_LOCAL_DB", "LOCAL_DB_SETTING", "create_outbox", "create_service_desk"]


class DeskAdapter(Protocol):
    """What the registry knows of an adapter class: its name, its declared settings, its constructor."""

    @property
    def name(self) -> str: ...

    @property
    def settings(self) -> tuple[Setting, ...]: ...

    def from_env(self, env: Mapping[str, str]) -> ServiceDesk: ...


_ALL: tuple[DeskAdapter, ...] = (
    FreshserviceDesk,
    HornbillDesk,
    JiraSmDesk,
    LocalServiceDesk,
    RequestTrackerDesk,
    ServiceNowDesk,
    WebhookDesk,
    ZendeskDesk,
)
ADAPTERS: dict[str, DeskAdapter] = {adapter.name: adapter for adapter in _ALL}
DESK = Setting(
    DESK_SETTING,
    choice(*sorted(ADAPTERS), describe=f"a known service desk: {', '.join(sorted(ADAPTERS))}", fold_case=True),
    "the service desk that gets the tickets",
    default=DEFAULT_DESK,
)


def _database(value: str) -> str:
    """A SQLite file or a postgresql:// URL; the problem never quotes it (a URL may hold a password)."""
    problem = "must be a SQLite file path or a postgresql:// URL"
    scheme = value.split("://", 1)[0] if "://" in value else None
    if scheme is not None and scheme not in ("postgresql", "postgres"):
        raise ValueError(f"{problem} (this is a {scheme}:// URL)")
    if scheme is None and Path(value).is_dir():
        raise ValueError(f"{problem} (this is a directory)")
    return value


OUTBOX_SETTINGS = (
    Setting(
        OUTBOX_SETTING,
        Kind("a SQLite file or a postgresql:// URL", _database, echo=False),
        "the outbox: a SQLite file, or a PostgreSQL database that several action servers share",
        default=DEFAULT_OUTBOX,
    ),
    Setting(
        LEASE_SETTING,
        POSITIVE_SECONDS,
        "seconds a worker may hold a request before another takes it over",
        default="60",
    ),
)
SETTINGS = (DESK, *OUTBOX_SETTINGS)


def configured_desk(env: Mapping[str, str] = os.environ) -> DeskAdapter:
    """The adapter ASKIT_SERVICE_DESK names; ConfigError when it names none."""
    return ADAPTERS[DESK.read(env, ConfigError)]


def create_service_desk(env: Mapping[str, str] = os.environ) -> ServiceDesk:
    """The configured desk, built from its checked settings; ConfigError names the first bad one."""
    return configured_desk(env).from_env(env)


def create_outbox(env: Mapping[str, str] = os.environ) -> Outbox:
    values: dict[str, Any] = read_settings(env, OUTBOX_SETTINGS, ConfigError)
    return Outbox(values[OUTBOX_SETTING], lease_seconds=values[LEASE_SETTING])
