-- The line that ended a chat for the user (the bot is back, or a ticket offered), kept as the reply's
-- JSON until the user's channel has taken it: a widget closed at that moment gets it when it opens.
ALTER TABLE handoffs ADD COLUMN user_notice TEXT;

-- A widget connecting asks for its conversation's: only the few kept are indexed.
CREATE INDEX handoffs_notice ON handoffs (conversation) WHERE user_notice IS NOT NULL
