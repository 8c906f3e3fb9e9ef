-- Whether a question was answered with an article the person chose from a clarify list (rather
-- than the one the bot picked): the studio's inbox proposes such a question to the article's
-- editors as a new way of asking for it. Questions loaded before this column are counted as not
-- chosen: the events that would tell are read once, not again.
ALTER TABLE insights_questions ADD COLUMN chosen INTEGER NOT NULL DEFAULT 0
