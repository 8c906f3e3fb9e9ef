"""Pick the service-desk adapter named in configuration, and fail at start-up if it cannot work."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path

from bot.paths import VAR_DIR
from bot.servicedesk.base import ServiceDesk
from bot.servicedesk.errors import ConfigError
from bot.servicedesk.local import LocalServiceDesk

DESK_SETTING = "ASKIT_SERVICE_DESK"
DEFAULT_DESK = "local"
LOCAL_DB_SETTING = "ASKIT_LOCAL_DESK_DB"
DEFAULT_LOCAL_DB = VAR_DIR / "servicedesk.sqlite"


def _local(env: Mapping[str, str]) -> ServiceDesk:
    return LocalServiceDesk(Path(env.get(LOCAL_DB_SETTING, DEFAULT_LOCAL_DB)))


ADAPTERS: dict[str, Callable[[Mapping[str, str]], ServiceDesk]] = {
    "local": _local,
}


def create_service_desk(env: Mapping[str, str] = os.environ) -> ServiceDesk:
    name = env.get(DESK_SETTING, DEFAULT_DESK).strip().lower()
    if name not in ADAPTERS:
        known = ", ".join(sorted(ADAPTERS))
        raise ConfigError(f"{DESK_SETTING}={name!r} is not a known service desk (known: {known})")
    return ADAPTERS[name](env)
