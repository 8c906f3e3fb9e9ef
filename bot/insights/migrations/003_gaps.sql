-- The content gaps last found by `python -m bot.insights gaps --save` (bot/insights/gaps.py), for
-- the dashboard, which does not load the embedding model: the run, each cluster's label, and the
-- questions it holds (so a council's view counts and quotes only that council's questions, and the
-- examples go when the text's retention ends). A new run replaces the last.
CREATE TABLE insights_gap_runs (
    id INTEGER PRIMARY KEY,
    at DOUBLE PRECISION NOT NULL,
    since DOUBLE PRECISION NOT NULL,
    until DOUBLE PRECISION NOT NULL,
    questions INTEGER NOT NULL
);
CREATE TABLE insights_gaps (
    rank INTEGER PRIMARY KEY,
    label TEXT NOT NULL
);
CREATE TABLE insights_gap_questions (
    rank INTEGER NOT NULL,
    question_id BIGINT NOT NULL,
    PRIMARY KEY (rank, question_id)
)
