-- Each affected person goes onto the incident's master ticket at the desk (bot/incidents/desk_notes.py),
-- as a comment naming them: who they are (name, email), when the comment that names them was
-- written (noted_at, NULL until then) and, while a worker is writing it, until when it holds them
-- (noting_until), so two workers never name the same person twice.
ALTER TABLE incident_affected ADD COLUMN name TEXT;
ALTER TABLE incident_affected ADD COLUMN email TEXT;
ALTER TABLE incident_affected ADD COLUMN noted_at DOUBLE PRECISION;
ALTER TABLE incident_affected ADD COLUMN noting_until DOUBLE PRECISION;
CREATE INDEX incident_affected_to_note ON incident_affected (incident_id, noted_at)
