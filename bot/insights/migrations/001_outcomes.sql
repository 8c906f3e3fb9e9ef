-- The insights store: outcomes derived from Rasa's events (bot/insights/outcomes.py), the state
-- of each conversation between loads, and how far the loader has read.
CREATE TABLE insights_questions (
    id BIGINT PRIMARY KEY,
    conversation TEXT NOT NULL,
    user_key TEXT NOT NULL,
    at DOUBLE PRECISION NOT NULL,
    channel TEXT NOT NULL,
    tenant TEXT,
    text TEXT,
    decision TEXT NOT NULL,
    article_id TEXT,
    feedback TEXT
);
CREATE INDEX insights_questions_at ON insights_questions (at);
CREATE INDEX insights_questions_user ON insights_questions (user_key, at);
CREATE TABLE insights_tickets (
    id BIGINT PRIMARY KEY,
    conversation TEXT NOT NULL,
    user_key TEXT NOT NULL,
    at DOUBLE PRECISION NOT NULL,
    channel TEXT NOT NULL,
    tenant TEXT,
    ref TEXT NOT NULL,
    receipt TEXT,
    resolver_group TEXT,
    priority TEXT,
    article_id TEXT,
    question_id BIGINT
);
CREATE INDEX insights_tickets_user ON insights_tickets (user_key, at);
CREATE TABLE insights_conversations (
    conversation TEXT PRIMARY KEY,
    state TEXT NOT NULL
);
CREATE TABLE insights_progress (
    source TEXT PRIMARY KEY,
    last_event BIGINT NOT NULL
)
