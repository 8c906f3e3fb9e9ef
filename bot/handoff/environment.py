"""The live chat's environment variables, declared once and read by the broker (Rasa server), the
offer (action server) and the console (back office): where handoffs live, which handoff.yml, the
agents' token key, and how often the timeouts are applied.

    ASKIT_BACKOFFICE_DB         the back office's database, where handoffs and incidents live (default
                                var/backoffice.sqlite; or a postgresql:// URL)
    ASKIT_HANDOFF_FILE          the live chat's settings (default knowledge_base/handoff.yml)
    ASKIT_ROUTING_FILE          the resolver groups handoff.yml is checked against
    ASKIT_AGENT_TOKEN_SECRET    the key agent console tokens are signed with (bot/handoff/agent_token.py);
                                unset: the broker refuses every agent
    ASKIT_HANDOFF_SWEEP_SECONDS how often the broker applies the timeouts (default 30)
    ASKIT_BACKOFFICE_PUBLIC_URL the agent console's server, for the Teams request cards' Accept button
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.config import FILE, POSITIVE_SECONDS, SECURE_URL, Kind, Setting, read_settings
from bot.handoff.agent_token import SECRET
from bot.handoff.settings import HANDOFF_CONFIG, ROUTING_CONFIG, HandoffSettings
from bot.handoff.store import HandoffStore
from bot.paths import TENANTS_CONFIG, VAR_DIR
from bot.secret import Secret

DB_SETTING = "ASKIT_BACKOFFICE_DB"  # the back office's own name for it (bot/backoffice/settings.py)
DEFAULT_DB = VAR_DIR / "backoffice.sqlite"
FILE_SETTING = "ASKIT_HANDOFF_FILE"
ROUTING_SETTING = "ASKIT_ROUTING_FILE"
SWEEP_SETTING = "ASKIT_HANDOFF_SWEEP_SECONDS"
CONSOLE_SETTING = "ASKIT_BACKOFFICE_PUBLIC_URL"  # the back office's own name for it (bot/backoffice/settings.py)
DEFAULT_SWEEP_SECONDS = 30.0  # the timeouts are minutes


def _database(value: Any) -> str:
    text = str(value)
    if "://" in text and not text.startswith(("postgresql://", "postgres://")):
        raise ValueError("must be a SQLite file path or a postgresql:// URL")
    return text


DATABASE = Setting(
    DB_SETTING,
    Kind("a SQLite file path or a postgresql:// URL", _database, echo=False),
    "the back office's database, where handoffs and incidents live",
    default=DEFAULT_DB,
)
SETTINGS = (
    DATABASE,
    Setting(FILE_SETTING, FILE, "the live chat's settings", default=HANDOFF_CONFIG),
    Setting(ROUTING_SETTING, FILE, "the triage rules", default=ROUTING_CONFIG),
    SECRET,
    Setting(
        SWEEP_SETTING,
        POSITIVE_SECONDS,
        "how often the live chat's timeouts are applied",
        default=f"{DEFAULT_SWEEP_SECONDS:g}",
    ),
    Setting(CONSOLE_SETTING, SECURE_URL, "the back office's address, where the agent console is"),
)


@dataclass(frozen=True)
class LiveChatEnvironment:
    database: str
    settings: HandoffSettings
    agent_secret: Secret | None
    sweep_seconds: float
    console_url: str | None = None  # the back office's address: the Teams cards link to its console

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> LiveChatEnvironment:
        """Every setting checked (ConfigurationError names the first bad one) and handoff.yml read."""
        values = read_settings(env, SETTINGS)
        settings = HandoffSettings.load(values[FILE_SETTING], TENANTS_CONFIG, values[ROUTING_SETTING])
        return cls(values[DB_SETTING], settings, values[SECRET.name], values[SWEEP_SETTING], values[CONSOLE_SETTING])

    def open_store(self) -> HandoffStore:
        return HandoffStore.open(self.database)
