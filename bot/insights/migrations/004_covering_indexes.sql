-- Indexes that hold every column the dashboard's aggregates read (bot/insights/store.py: COUNTS,
-- GROUPS, articles, triage), so a period's figures are read from the index alone: a year's page for all
-- councils twice as fast (docs/benchmarks.md). They begin as the two they replace.
DROP INDEX insights_questions_at;
DROP INDEX insights_questions_tenant_at;
CREATE INDEX insights_questions_at_figures ON insights_questions
    (at, tenant, channel, week, month, decision, feedback, outcome, ticket_id, article_id);
CREATE INDEX insights_questions_tenant_figures ON insights_questions
    (tenant, at, channel, week, month, decision, feedback, outcome, ticket_id, article_id);
CREATE INDEX insights_tickets_at_triage ON insights_tickets (at, tenant, resolver_group, priority)
