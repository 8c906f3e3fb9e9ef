"""The signed-in web app for agents, editors, approvers and managers (docs/backoffice.md): sign-in
with OpenID Connect, roles per council, sessions, CSRF, the audit log and its SQL storage. Other
packages mount their pages with ``create_app(..., routes=[...])``, each route wrapped in ``requires``."""

from __future__ import annotations

from bot.backoffice.access import public, requires
from bot.backoffice.app import create_app
from bot.backoffice.audit import AuditEntry, record
from bot.backoffice.roles import Grant, Person
from bot.backoffice.sessions import person_of
from bot.backoffice.settings import BackofficeSettings, load_settings
from bot.backoffice.storage import open_storage

__all__ = [
    "AuditEntry",
    "BackofficeSettings",
    "Grant",
    "Person",
    "create_app",
    "load_settings",
    "open_storage",
    "person_of",
    "public",
    "record",
    "requires",
]
