"""The back office's storage on SQLite and on a real PostgreSQL: migrations applied once, the audit
log written and read in order, sessions created, found and ended."""

from __future__ import annotations

from bot.backoffice import audit
from bot.backoffice.roles import Grant, Person
from bot.backoffice.sessions import IDLE_TIMEOUT, SessionStore
from bot.backoffice.storage import MIGRATIONS, open_storage
from bot.sql import Database, migrate

PERSON = Person("oid-1", "Robin", "robin@riverside.example", "tid-1", (Grant("manager", "riverside"), Grant("agent")))


def test_migrations_apply_once(db: Database, location: str) -> None:
    assert migrate(open_storage(location), MIGRATIONS) == []
    assert migrate(db, MIGRATIONS) == []


def test_the_audit_log_keeps_every_entry_newest_first(db: Database) -> None:
    audit.record(db, PERSON, "article.publish", "vpn-setup", {"version": 3})
    audit.record(db, "system", "signin.refused", "oid-2", {"reason": "not allowed", "tenant": None})
    newest, oldest = audit.entries(db)
    assert (oldest.who, oldest.action, oldest.target, oldest.detail) == (
        "oid-1",
        "article.publish",
        "vpn-setup",
        {"version": 3},
    )
    assert newest.action == "signin.refused" and newest.detail == {"reason": "not allowed", "tenant": None}
    assert [e.action for e in audit.entries(db, action="article.publish")] == ["article.publish"]


def test_a_huge_detail_is_kept_short(db: Database) -> None:
    audit.record(db, PERSON, "article.save", "a", {"text": "x" * 100_000})
    [entry] = audit.entries(db)
    assert len(entry.detail["truncated"]) == audit.MAX_DETAIL_CHARS


def test_sessions_are_found_until_idle_and_ended(db: Database) -> None:
    now = [1_000_000.0]
    store = SessionStore(db, clock=lambda: now[0])
    sid = store.create(PERSON)
    assert store.person(sid) == PERSON
    now[0] += IDLE_TIMEOUT - 1
    assert store.person(sid) == PERSON  # seen: the idle clock starts again
    now[0] += IDLE_TIMEOUT - 1
    assert store.person(sid) == PERSON
    now[0] += IDLE_TIMEOUT + 1
    assert store.person(sid) is None
    other = store.create(PERSON)
    store.end(other)
    assert store.person(other) is None and store.person("unknown") is None
