-- The requester's open tickets when they asked for a person, as the desk listed them (a JSON list of
-- ref, title and status), for the agent console. NULL: not known (the desk could not be asked).
ALTER TABLE handoffs ADD COLUMN open_tickets TEXT
