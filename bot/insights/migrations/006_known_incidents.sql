-- Known incidents (bot/incidents) as staff met them in the chat: each person once per incident and
-- kind (shown the card, "I'm affected too", "Tell me when it's fixed", "My problem is different"),
-- at the first time, as the incident store counts the affected. Each update told to a subscriber.
-- The incident a ticket was linked to (a ticket still asked for after the card).
CREATE TABLE insights_incident_people (
    incident_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('shown', 'affected', 'subscribed', 'different')),
    user_key TEXT NOT NULL,
    id BIGINT NOT NULL,
    conversation TEXT NOT NULL,
    at DOUBLE PRECISION NOT NULL,
    channel TEXT NOT NULL,
    tenant TEXT,
    PRIMARY KEY (incident_id, kind, user_key)
);
CREATE INDEX insights_incident_people_at ON insights_incident_people (at, tenant);
CREATE TABLE insights_incident_updates (
    id BIGINT PRIMARY KEY,
    conversation TEXT NOT NULL,
    user_key TEXT NOT NULL,
    at DOUBLE PRECISION NOT NULL,
    channel TEXT NOT NULL,
    tenant TEXT,
    incident_id TEXT NOT NULL,
    status TEXT
);
CREATE INDEX insights_incident_updates_at ON insights_incident_updates (at, tenant);
ALTER TABLE insights_tickets ADD COLUMN incident_id TEXT;
CREATE INDEX insights_tickets_incident ON insights_tickets (incident_id, user_key)
