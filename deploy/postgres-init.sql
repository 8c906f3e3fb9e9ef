-- Run once by the postgres image when its volume is empty (deploy/compose.yml): one database per
-- store, all owned by the askit user the image creates. The tracker store and the event broker
-- each keep a table named "events", so they never share a database (bot/launcher.py says the same).
CREATE DATABASE askit_tracker OWNER askit;
CREATE DATABASE askit_events OWNER askit;
CREATE DATABASE askit_outbox OWNER askit;
CREATE DATABASE askit_backoffice OWNER askit;
