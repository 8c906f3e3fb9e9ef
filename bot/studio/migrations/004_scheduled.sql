-- Scheduled publishing (bot/studio/workflow.py: schedule, publish_due): an approved article may be
-- set to go live at publish_at, by the approver scheduled_by. Any change to the article clears it.
-- (004: 002 and 003 are the inbox's and the starter topics'.)
ALTER TABLE studio_articles ADD COLUMN publish_at DOUBLE PRECISION;
ALTER TABLE studio_articles ADD COLUMN scheduled_by TEXT;
ALTER TABLE studio_articles ADD COLUMN scheduled_by_name TEXT;
CREATE INDEX studio_articles_due ON studio_articles (publish_at)
