-- The live-agent broker's durable state (bot/handoff/store.py): handoffs, their messages and the
-- agents' presence. The same SQL runs on SQLite and PostgreSQL (bot/sql.py). Times are seconds
-- since the epoch, JSON columns hold text. (No semicolons in comments: migrate splits on them.)

-- One row per request for a person. requester and reference are JSON, and the delivery cursors
-- (delivered_to_user, acked_by_console) are the highest seq each reader has had, so a restart
-- re-sends exactly what is missing. last_user_at and last_agent_at are each side's last message or
-- typing, last_speaker who sent the last message and turn_since since when (bot/handoff/timeouts.py).
CREATE TABLE handoffs (
    id TEXT PRIMARY KEY,
    conversation TEXT NOT NULL,
    channel TEXT NOT NULL,
    tenant TEXT,
    requester TEXT NOT NULL,
    resolver_group TEXT NOT NULL,
    summary TEXT NOT NULL,
    ticket_ref TEXT,
    reference TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'assigned', 'closed', 'cancelled', 'timed_out', 'failed')),
    agent_id TEXT,
    agent_name TEXT,
    created_at DOUBLE PRECISION NOT NULL,
    queued_at DOUBLE PRECISION NOT NULL,
    assigned_at DOUBLE PRECISION,
    first_assigned_at DOUBLE PRECISION,
    closed_at DOUBLE PRECISION,
    closed_by TEXT,
    close_reason TEXT,
    close_note TEXT,
    last_user_at DOUBLE PRECISION,
    last_agent_at DOUBLE PRECISION,
    last_speaker TEXT NOT NULL CHECK (last_speaker IN ('user', 'agent')),
    turn_since DOUBLE PRECISION NOT NULL,
    csat INTEGER CHECK (csat BETWEEN 1 AND 5),
    last_seq INTEGER NOT NULL DEFAULT 0,
    delivered_to_user INTEGER NOT NULL DEFAULT 0,
    acked_by_console INTEGER NOT NULL DEFAULT 0
);

-- At most one open handoff per conversation, whoever asks at the same moment.
CREATE UNIQUE INDEX handoffs_one_open ON handoffs (conversation) WHERE state IN ('queued', 'assigned');
CREATE INDEX handoffs_queue ON handoffs (resolver_group, state, created_at);
CREATE INDEX handoffs_agent ON handoffs (agent_id, state);
CREATE INDEX handoffs_open ON handoffs (state, queued_at);
CREATE INDEX handoffs_waits ON handoffs (resolver_group, first_assigned_at);

-- Every message of a handoff, once: seq orders them, message_id (the caller's) makes posting idempotent.
CREATE TABLE handoff_messages (
    handoff_id TEXT NOT NULL REFERENCES handoffs (id),
    seq INTEGER NOT NULL,
    message_id TEXT NOT NULL,
    sender TEXT NOT NULL CHECK (sender IN ('user', 'agent', 'system', 'note')),
    author_id TEXT,
    author_name TEXT,
    text TEXT NOT NULL,
    at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (handoff_id, seq),
    UNIQUE (handoff_id, message_id)
);

-- Each agent's presence: resolver_groups and councils are JSON lists.
CREATE TABLE handoff_agents (
    agent_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    resolver_groups TEXT NOT NULL,
    councils TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('available', 'busy', 'away')),
    capacity INTEGER NOT NULL CHECK (capacity >= 0),
    last_seen DOUBLE PRECISION NOT NULL
)
