-- The starter topics (bot/studio/starters.py): the articles the welcome offers as buttons, chosen
-- by editors in the studio, per council (a tenant id) and one list for every council (all). One row
-- per place in a list, first shown first. A list is replaced whole when saved, so no council ever
-- shows half of an old list and half of a new one. (No semicolons in comments: migrate splits on them.)
CREATE TABLE studio_starters (
    council TEXT NOT NULL,
    position INTEGER NOT NULL CHECK (position BETWEEN 1 AND 5),
    article_id TEXT NOT NULL,
    PRIMARY KEY (council, position)
)
