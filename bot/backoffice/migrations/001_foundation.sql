-- The back office's foundation: signed-in sessions and the audit log. The same SQL runs on SQLite
-- and PostgreSQL (bot/sql.py). Times are seconds since the epoch (sessions) or ISO 8601 UTC (audit).

-- One row per sign-in (the cookie holds only its id). A row removed is a session ended.
CREATE TABLE backoffice_sessions (
    id TEXT PRIMARY KEY,
    person TEXT NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    seen_at DOUBLE PRECISION NOT NULL
);

-- Append-only: bot/backoffice/audit.py inserts and reads, and nothing updates or deletes.
CREATE TABLE backoffice_audit (
    id TEXT PRIMARY KEY,
    at TEXT NOT NULL,
    who TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL
);

CREATE INDEX backoffice_audit_at ON backoffice_audit (at);
