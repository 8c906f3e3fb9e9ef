-- Each question's outcome, judged as its events arrive (bot/insights/figures.py: judge), and the
-- week and month it falls in, so the figures are SQL aggregates rather than a pass over every row.
ALTER TABLE insights_questions ADD COLUMN outcome TEXT;
ALTER TABLE insights_questions ADD COLUMN ticket_id BIGINT;
ALTER TABLE insights_questions ADD COLUMN week TEXT;
ALTER TABLE insights_questions ADD COLUMN month TEXT;
CREATE INDEX insights_questions_month ON insights_questions (month);
CREATE INDEX insights_questions_tenant_at ON insights_questions (tenant, at)
