-- The Teams agents' channel card of each request (bot/channels/teams_handoff.py): its activity id,
-- so the card is updated in place when the request is taken, released or closed, even after a restart.
ALTER TABLE handoffs ADD COLUMN channel_card TEXT
