"""Pick the service-desk adapter named in configuration, and fail at start-up if it cannot work."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path

from bot.paths import VAR_DIR
from bot.servicedesk.base import ServiceDesk
from bot.servicedesk.errors import ConfigError
from bot.servicedesk.freshservice import FreshserviceDesk
from bot.servicedesk.hornbill import HornbillDesk
from bot.servicedesk.jira_sm import JiraSmDesk
from bot.servicedesk.local import LocalServiceDesk
from bot.servicedesk.outbox import Outbox
from bot.servicedesk.rt import RequestTrackerDesk
from bot.servicedesk.servicenow import ServiceNowDesk
from bot.servicedesk.webhook import WebhookDesk
from bot.servicedesk.zendesk import ZendeskDesk

DESK_SETTING = "ASKIT_SERVICE_DESK"
DEFAULT_DESK = "local"
LOCAL_DB_SETTING = "ASKIT_LOCAL_DESK_DB"
DEFAULT_LOCAL_DB = VAR_DIR / "servicedesk.sqlite"
OUTBOX_SETTING = "ASKIT_OUTBOX_DB"  # a SQLite file, or a postgresql:// URL
DEFAULT_OUTBOX = VAR_DIR / "outbox.sqlite"
LEASE_SETTING = "ASKIT_OUTBOX_LEASE"  # seconds a worker may hold a request before another takes it over


def _local(env: Mapping[str, str]) -> ServiceDesk:
    return LocalServiceDesk(Path(env.get(LOCAL_DB_SETTING, DEFAULT_LOCAL_DB)))


ADAPTERS: dict[str, Callable[[Mapping[str, str]], ServiceDesk]] = {
    "freshservice": FreshserviceDesk.from_env,
    "hornbill": HornbillDesk.from_env,
    "jira_sm": JiraSmDesk.from_env,
    "local": _local,
    "rt": RequestTrackerDesk.from_env,
    "servicenow": ServiceNowDesk.from_env,
    "webhook": WebhookDesk.from_env,
    "zendesk": ZendeskDesk.from_env,
}


def create_service_desk(env: Mapping[str, str] = os.environ) -> ServiceDesk:
    name = env.get(DESK_SETTING, DEFAULT_DESK).strip().lower()
    if name not in ADAPTERS:
        known = ", ".join(sorted(ADAPTERS))
        raise ConfigError(f"{DESK_SETTING}={name!r} is not a known service desk (known: {known})")
    return ADAPTERS[name](env)


def create_outbox(env: Mapping[str, str] = os.environ) -> Outbox:
    raw = env.get(LEASE_SETTING, "60")
    try:
        lease = float(raw)
    except ValueError as exc:
        raise ConfigError(f"{LEASE_SETTING} must be a number of seconds, got {raw!r}") from exc
    return Outbox(env.get(OUTBOX_SETTING) or DEFAULT_OUTBOX, lease_seconds=lease)
