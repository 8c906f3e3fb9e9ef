-- Telling subscribers (bot/incidents/notifier.py): a subscription whose version is behind its
-- incident's has news. push_after is when it may next be pushed: a notifier that asks the chat to
-- tell it holds it for a while, so two notifiers never push the same news at once, and one that
-- failed tries again later. The news itself is taken once (version moves on in one UPDATE).
ALTER TABLE incident_subscriptions ADD COLUMN push_after DOUBLE PRECISION NOT NULL DEFAULT 0;
CREATE INDEX incident_subscriptions_by_conversation ON incident_subscriptions (conversation)
