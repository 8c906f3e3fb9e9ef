-- Known incidents (bot/incidents/store.py): the incidents, who said they are affected, who asked to
-- be told of changes, and each change to tell them of. The same SQL runs on SQLite and PostgreSQL
-- (bot/sql.py). Times are seconds since the epoch, JSON columns hold text. (No semicolons in
-- comments: migrate splits on them.)

-- One row per incident. questions, services and councils are JSON lists (councils: tenant ids, or
-- all). version is 1 when declared and goes up by one with each change: an update names the
-- version it read, so of two agents editing at once the second is refused, not silently lost.
-- source_id is a feed's own id for the incident, unique per source, so a poll updates, never
-- duplicates. feed_input is the feed's last word (the editable columns as JSON), so a poll changes
-- only what the feed itself changed and an agent's own edit is not undone by the next poll.
CREATE TABLE incidents (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    questions TEXT NOT NULL,
    services TEXT NOT NULL,
    councils TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('investigating', 'identified', 'monitoring', 'resolved')),
    started_at DOUBLE PRECISION NOT NULL,
    updated_at DOUBLE PRECISION NOT NULL,
    next_update_at DOUBLE PRECISION,
    workaround TEXT,
    desk_ref TEXT,
    source TEXT NOT NULL CHECK (source IN ('agent', 'cli', 'statuspage', 'desk')),
    source_id TEXT,
    feed_input TEXT,
    resolved_at DOUBLE PRECISION,
    version INTEGER NOT NULL CHECK (version >= 1)
);
CREATE UNIQUE INDEX incidents_by_source ON incidents (source, source_id) WHERE source_id IS NOT NULL;
CREATE INDEX incidents_by_status ON incidents (status, started_at);

-- Each member of staff who said they are affected, once per incident however often they press.
CREATE TABLE incident_affected (
    incident_id TEXT NOT NULL REFERENCES incidents (id),
    user_key TEXT NOT NULL,
    council TEXT,
    channel TEXT NOT NULL,
    at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (incident_id, user_key)
);

-- Who asked to be told when it changes, once per incident: the channel and its reference (JSON)
-- say how to reach them, version which version of the incident they had seen.
CREATE TABLE incident_subscriptions (
    incident_id TEXT NOT NULL REFERENCES incidents (id),
    user_key TEXT NOT NULL,
    channel TEXT NOT NULL,
    conversation TEXT NOT NULL,
    reference TEXT NOT NULL,
    version INTEGER NOT NULL,
    at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (incident_id, user_key)
);

-- One row per change subscribers are told of (each update and the resolution), keyed by the
-- version it made, so each is recorded once and a notifier can tell each subscriber once.
CREATE TABLE incident_changes (
    incident_id TEXT NOT NULL REFERENCES incidents (id),
    version INTEGER NOT NULL,
    status TEXT NOT NULL,
    text TEXT NOT NULL,
    at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (incident_id, version)
)
