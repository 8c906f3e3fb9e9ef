"""The built-in service desk: tickets in a local SQLite file. The embedded default for
development and small deployments; listable with ``python -m bot.servicedesk tickets``."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bot.config import Setting, kind, read_settings
from bot.paths import VAR_DIR
from bot.servicedesk.base import ServiceDesk
from bot.servicedesk.errors import ConfigError, ServiceDeskUnavailable, TicketNotFound
from bot.servicedesk.models import DeskReply, Requester, TicketRef, TicketRequest, TicketStatus

REF_PREFIX = "LOC-"
DB_SETTING = "ASKIT_LOCAL_DESK_DB"
DEFAULT_DB = VAR_DIR / "servicedesk.sqlite"
DB_FILE = kind("a file path (not a directory)", lambda v: not Path(v).is_dir(), Path)
SCHEMA = """
CREATE TABLE IF NOT EXISTS tickets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    correlation_id TEXT NOT NULL UNIQUE,
    summary TEXT NOT NULL,
    description TEXT NOT NULL,
    requester_id TEXT NOT NULL,
    requester_email TEXT,
    requester_name TEXT,
    tenant TEXT,
    category TEXT NOT NULL,
    priority TEXT NOT NULL,
    resolver_group TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS tickets_requester ON tickets (requester_id, status);
CREATE TABLE IF NOT EXISTS comments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id INTEGER NOT NULL REFERENCES tickets (id),
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    author TEXT NOT NULL DEFAULT 'requester'  -- requester, or agent: a public reply from the desk
);
"""
REQUESTER, AGENT = "requester", "agent"


def _ref(row_id: int) -> str:
    return f"{REF_PREFIX}{row_id:06d}"


def _row_id(ref: str) -> int:
    if not ref.upper().startswith(REF_PREFIX) or not ref[len(REF_PREFIX) :].isdigit():
        raise TicketNotFound(f"{ref!r} is not a local desk reference")
    return int(ref[len(REF_PREFIX) :])


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


class LocalServiceDesk(ServiceDesk):
    name = "local"
    settings = (Setting(DB_SETTING, DB_FILE, "the SQLite file the tickets are kept in", default=DEFAULT_DB),)

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with self._connect() as db:
                db.executescript(SCHEMA)
                columns = {row["name"] for row in db.execute("PRAGMA table_info(comments)")}
                if "author" not in columns:  # a file from before agents' replies were kept apart
                    db.execute(f"ALTER TABLE comments ADD COLUMN author TEXT NOT NULL DEFAULT '{REQUESTER}'")
        except (OSError, sqlite3.Error) as exc:
            raise ServiceDeskUnavailable(f"local desk database {path} cannot be opened: {exc}") from exc

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> LocalServiceDesk:
        return cls(read_settings(env, cls.settings, ConfigError)[DB_SETTING])

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=10)
        db.row_factory = sqlite3.Row
        return db

    def _query(self, sql: str, params: tuple[object, ...] = ()) -> list[sqlite3.Row]:
        try:
            with self._lock, self._connect() as db:
                return db.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise ServiceDeskUnavailable(f"local desk database {self.path}: {exc}") from exc

    def create_ticket(self, request: TicketRequest) -> TicketRef:
        now = _now()
        r = request.requester
        try:
            with self._lock, self._connect() as db:
                db.execute("BEGIN IMMEDIATE")  # look-up and insert as one step: one ticket per correlation id
                row = db.execute(
                    "SELECT id FROM tickets WHERE correlation_id = ?", (request.correlation_id,)
                ).fetchone()
                if row is None:
                    row = db.execute(
                        "INSERT INTO tickets (correlation_id, summary, description, requester_id, requester_email,"
                        " requester_name, tenant, category, priority, resolver_group, created_at, updated_at)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                        (
                            request.correlation_id,
                            request.summary,
                            request.description,
                            r.id,
                            r.email,
                            r.name,
                            r.tenant,
                            request.category,
                            request.priority,
                            request.resolver_group,
                            now,
                            now,
                        ),
                    ).fetchone()
        except sqlite3.Error as exc:
            raise ServiceDeskUnavailable(f"local desk database {self.path}: {exc}") from exc
        return TicketRef(ref=_ref(row["id"]))

    def get_status(self, ref: str) -> TicketStatus:
        rows = self._query("SELECT * FROM tickets WHERE id = ?", (_row_id(ref),))
        if not rows:
            raise TicketNotFound(f"no ticket {ref}")
        return self._status(rows[0])

    def find_by_correlation(self, correlation_id: str) -> TicketRef | None:
        rows = self._query("SELECT id FROM tickets WHERE correlation_id = ?", (correlation_id,))
        return TicketRef(ref=_ref(rows[0]["id"])) if rows else None

    def list_open(self, requester: Requester) -> list[TicketStatus]:
        rows = self._query(
            "SELECT * FROM tickets WHERE requester_id = ? AND status NOT IN ('resolved', 'closed') ORDER BY id DESC",
            (requester.id,),
        )
        return [self._status(row) for row in rows]

    def add_comment(self, ref: str, text: str) -> None:
        self._comment(ref, text, REQUESTER)

    def reply(self, ref: str, text: str) -> None:
        """A public reply from the service desk (``python -m bot.servicedesk reply``)."""
        self._comment(ref, text, AGENT)

    def _comment(self, ref: str, text: str, author: str) -> None:
        row_id, now = _row_id(ref), _now()
        try:
            with self._lock, self._connect() as db:  # one transaction: the comment and the ticket's new time
                if db.execute("UPDATE tickets SET updated_at = ? WHERE id = ?", (now, row_id)).rowcount == 0:
                    raise TicketNotFound(f"no ticket {ref}")
                db.execute(
                    "INSERT INTO comments (ticket_id, body, created_at, author) VALUES (?, ?, ?, ?)",
                    (row_id, text, now, author),
                )
        except sqlite3.Error as exc:
            raise ServiceDeskUnavailable(f"local desk database {self.path}: {exc}") from exc

    def latest_reply(self, ref: str) -> DeskReply | None:
        row_id = _row_id(ref)
        if not self._query("SELECT id FROM tickets WHERE id = ?", (row_id,)):
            raise TicketNotFound(f"no ticket {ref}")
        rows = self._query(
            "SELECT body, created_at FROM comments WHERE ticket_id = ? AND author = ? ORDER BY id DESC LIMIT 1",
            (row_id, AGENT),
        )
        return DeskReply(rows[0]["body"], dt.datetime.fromisoformat(rows[0]["created_at"])) if rows else None

    def all_tickets(self) -> list[dict[str, Any]]:
        """Every ticket with its comments, oldest first: for operators and tests."""
        tickets = []
        for row in self._query("SELECT * FROM tickets ORDER BY id"):
            ticket = {k: row[k] for k in row.keys() if k != "id"}  # noqa: SIM118 - a Row iterates over values
            ticket["ref"] = _ref(row["id"])
            ticket["comments"] = [
                {"body": c["body"], "created_at": c["created_at"], "author": c["author"]}
                for c in self._query("SELECT * FROM comments WHERE ticket_id = ? ORDER BY id", (row["id"],))
            ]
            tickets.append(ticket)
        return tickets

    @staticmethod
    def _status(row: sqlite3.Row) -> TicketStatus:
        return TicketStatus(
            ref=_ref(row["id"]),
            summary=row["summary"],
            status=row["status"],
            requester_id=row["requester_id"],
            updated_at=dt.datetime.fromisoformat(row["updated_at"]),
        )  # no group: it holds only the one AskIT sent it to, which the outbox knows
