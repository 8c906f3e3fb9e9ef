"""The back office's settings, declared once (bot/config.py's ``Setting``) and checked at start-up:
every error is one line naming the variable, and the client secret and signing key never show."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bot.config import GUID, SECURE_URL, TOKEN, ConfigurationError, Kind, Setting, is_loopback, read_settings
from bot.paths import VAR_DIR
from bot.secret import Secret

ISSUER = "ASKIT_BACKOFFICE_OIDC_ISSUER"
CLIENT_ID = "ASKIT_BACKOFFICE_OIDC_CLIENT_ID"
CLIENT_SECRET = "ASKIT_BACKOFFICE_OIDC_CLIENT_SECRET"
ALLOWED_TENANTS = "ASKIT_BACKOFFICE_ALLOWED_TENANTS"
SECRET = "ASKIT_BACKOFFICE_SECRET"
DB = "ASKIT_BACKOFFICE_DB"
PUBLIC_URL = "ASKIT_BACKOFFICE_PUBLIC_URL"
AGENT_TOKEN_SECRET = "ASKIT_AGENT_TOKEN_SECRET"  # bot/handoff/agent_token.py: shared with the Rasa server
RASA_PUBLIC_URL = "ASKIT_RASA_PUBLIC_URL"
DEFAULT_RASA_URL = "http://127.0.0.1:5005"
DEFAULT_DB = VAR_DIR / "backoffice.sqlite"
MIN_SECRET_CHARS = 32  # the session signing key: 32 characters of token_urlsafe are 192 bits


def _tenant_list(value: Any) -> frozenset[str]:
    ids = [part.strip() for part in str(value).split(",") if part.strip()]
    if not ids:
        raise ValueError("must list at least one Azure AD tenant id")
    return frozenset(GUID.check(tid).lower() for tid in ids)


def _long_secret(value: Any) -> str:
    text = TOKEN.check(value)
    if len(text) < MIN_SECRET_CHARS:
        raise ValueError(f"must be at least {MIN_SECRET_CHARS} characters")
    return str(text)


def _database(value: Any) -> str:
    text = str(value)
    if "://" in text and not text.startswith(("postgresql://", "postgres://")):
        raise ValueError("must be a SQLite file path or a postgresql:// URL")
    return text


TENANT_IDS = Kind("Azure AD tenant ids (GUIDs), comma-separated", _tenant_list)
SIGNING_KEY = Kind(f"a random key of {MIN_SECRET_CHARS} characters or more", _long_secret, echo=False)
DATABASE = Kind("a SQLite file path or a postgresql:// URL", _database, echo=False)  # a URL may hold a password

# Required for OpenID Connect sign-in; with --dev they may all be left out (development sign-in only).
OIDC_SETTINGS = (
    Setting(ISSUER, SECURE_URL, "the OpenID provider, e.g. https://login.microsoftonline.com/organizations/v2.0"),
    Setting(CLIENT_ID, TOKEN, "the app registration's application (client) id"),
    Setting(CLIENT_SECRET, TOKEN, "the app registration's client secret", secret=True),
    Setting(ALLOWED_TENANTS, TENANT_IDS, "the Azure AD tenants whose people may sign in"),
    Setting(PUBLIC_URL, SECURE_URL, "the back office's address as browsers reach it"),
)
OTHER_SETTINGS = (
    Setting(SECRET, SIGNING_KEY, "the key that signs session cookies", required=True, secret=True),
    Setting(DB, DATABASE, "where the back office keeps its state", default=DEFAULT_DB),
    Setting(
        AGENT_TOKEN_SECRET,
        SIGNING_KEY,
        "the key that signs agents' tokens for the live-chat broker (the Rasa server has the same); "
        "without it the agent console is off",
        secret=True,
    ),
    Setting(
        RASA_PUBLIC_URL, SECURE_URL, "the Rasa server's address as agents' browsers reach it", default=DEFAULT_RASA_URL
    ),
)
SETTINGS = (*OIDC_SETTINGS, *OTHER_SETTINGS)


@dataclass(frozen=True)
class Oidc:
    issuer: str
    client_id: str
    client_secret: Secret = field(repr=False)
    allowed_tenants: frozenset[str]


@dataclass(frozen=True)
class BackofficeSettings:
    """What the app is configured with; ``oidc`` None: development sign-in only (``--dev``)."""

    public_url: str
    secret: Secret = field(repr=False)
    database: str | Path = DEFAULT_DB
    oidc: Oidc | None = None
    agent_token_secret: Secret | None = field(default=None, repr=False)  # None: the agent console is off
    rasa_public_url: str = DEFAULT_RASA_URL

    @property
    def secure_cookies(self) -> bool:
        """Secure cookies unless browsers reach the app over plain http on this machine."""
        return not (urlsplit(self.public_url).scheme == "http" and is_loopback(self.public_url))


def load_settings(env: Mapping[str, str], *, dev: bool = False, port: int | None = None) -> BackofficeSettings:
    """The settings from ``env``: ConfigurationError names the first variable missing or wrong.
    Without ``dev`` every OpenID Connect setting is required; with it they go together or not at all."""
    values = read_settings(env, SETTINGS)
    oidc_set = [s.name for s in OIDC_SETTINGS if values[s.name] is not None and s.name != PUBLIC_URL]
    if not dev or oidc_set:
        for setting in OIDC_SETTINGS:
            if values[setting.name] is None:
                raise ConfigurationError(f"{setting.name}: is not set ({setting.help})")
    public_url = values[PUBLIC_URL] or (f"http://127.0.0.1:{port}" if port else None)
    if public_url is None:
        raise ConfigurationError(f"{PUBLIC_URL}: is not set ({OIDC_SETTINGS[-1].help})")
    oidc = None
    if values[ISSUER] is not None:
        oidc = Oidc(values[ISSUER], values[CLIENT_ID], values[CLIENT_SECRET], values[ALLOWED_TENANTS])
    return BackofficeSettings(
        public_url=public_url,
        secret=values[SECRET],
        database=values[DB],
        oidc=oidc,
        agent_token_secret=values[AGENT_TOKEN_SECRET],
        rasa_public_url=values[RASA_PUBLIC_URL],
    )


__all__ = ["SETTINGS", "BackofficeSettings", "ConfigurationError", "Oidc", "load_settings"]
