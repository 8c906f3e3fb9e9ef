-- Each live chat with a person that AskIT queued (flow handoff_queued), the question and article it
-- followed (a chat on a question's topic makes it not deflected, as a ticket does), and the member of
-- staff's rating of it (flow handoff_rated, 1 to 5) once given.
CREATE TABLE insights_live_chats (
    id BIGINT PRIMARY KEY,
    conversation TEXT NOT NULL,
    user_key TEXT NOT NULL,
    at DOUBLE PRECISION NOT NULL,
    channel TEXT NOT NULL,
    tenant TEXT,
    handoff_id TEXT NOT NULL UNIQUE,
    article_id TEXT,
    question_id BIGINT,
    csat INTEGER CHECK (csat BETWEEN 1 AND 5)
);
CREATE INDEX insights_live_chats_user ON insights_live_chats (user_key, at);
CREATE INDEX insights_live_chats_at ON insights_live_chats (at, tenant, csat)
