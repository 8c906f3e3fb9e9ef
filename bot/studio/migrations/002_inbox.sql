-- The studio's inbox (bot/studio/inbox.py): what editors decided about the work the insights store
-- proposes. The proposals themselves are not copied here: they are read from the insights store
-- each time, and a proposal with a row here is not shown again. (No semicolons in comments:
-- migrate splits on them.)

-- A "didn't help" answer (question_id: the insights store's question) as a task on its article:
-- done, or dismissed, with the editor's note.
CREATE TABLE studio_inbox_tasks (
    question_id BIGINT PRIMARY KEY,
    article_id TEXT NOT NULL,
    decision TEXT NOT NULL CHECK (decision IN ('done', 'dismissed')),
    note TEXT NOT NULL,
    decided_at DOUBLE PRECISION NOT NULL,
    decided_by TEXT NOT NULL
);

-- A phrasing proposed for an article (staff chose it from a list after asking this), accepted
-- (added to the article's questions in a draft) or rejected: either way never proposed again.
-- phrasing is the question's text folded (case and spaces), as proposals are compared.
CREATE TABLE studio_inbox_phrasings (
    article_id TEXT NOT NULL,
    phrasing TEXT NOT NULL,
    decision TEXT NOT NULL CHECK (decision IN ('accepted', 'rejected')),
    decided_at DOUBLE PRECISION NOT NULL,
    decided_by TEXT NOT NULL,
    PRIMARY KEY (article_id, phrasing)
)
