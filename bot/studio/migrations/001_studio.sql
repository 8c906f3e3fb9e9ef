-- The knowledge editors' studio (bot/studio/store.py): each article's working copy and where it is
-- in review, and every version ever published. The articles folder stays the source of truth for
-- what is live: these tables hold what is not live (drafts, reviews) and the history. The same SQL
-- runs on SQLite and PostgreSQL (bot/sql.py). Times are seconds since the epoch. (No semicolons
-- in comments: migrate splits on them.)

-- One row per article an editor has touched. text is the whole article file (front matter and
-- body) as the working copy says. councils is the audience as a JSON list (tenant ids, or all),
-- kept apart so a council's editors' list needs no parsing. version goes up by one with each change
-- of the row: a change names the version it read, so of two editors saving at once the second is
-- refused and shown the difference, never silently overwritten. author is who last changed the
-- text: the approver must be someone else. live_version is the number of the version published
-- now (NULL: nothing of it is live).
CREATE TABLE studio_articles (
    article_id TEXT PRIMARY KEY,
    category TEXT NOT NULL,
    title TEXT NOT NULL,
    councils TEXT NOT NULL,
    owner TEXT NOT NULL,
    stage TEXT NOT NULL CHECK (stage IN ('draft', 'in_review', 'changes_requested', 'approved', 'published', 'retired')),
    text TEXT NOT NULL,
    author TEXT NOT NULL,
    author_name TEXT NOT NULL,
    note TEXT,
    version INTEGER NOT NULL CHECK (version >= 1),
    updated_at DOUBLE PRECISION NOT NULL,
    updated_by TEXT NOT NULL,
    live_version INTEGER
);

-- Every published version of every article, numbered from 1, never changed or deleted. The first
-- version of an article written before the studio is the file as the studio first found it.
CREATE TABLE studio_versions (
    article_id TEXT NOT NULL,
    number INTEGER NOT NULL CHECK (number >= 1),
    text TEXT NOT NULL,
    published_at DOUBLE PRECISION NOT NULL,
    published_by TEXT NOT NULL,
    published_by_name TEXT NOT NULL,
    note TEXT NOT NULL,
    PRIMARY KEY (article_id, number)
)
