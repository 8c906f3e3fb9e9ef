"""Known incidents: an outage the service desk already knows about, so the chat can tell staff it
is known, count them, and tell them when it is fixed.

``models.py`` holds the records, ``parsing.py`` reads what a person types (the command line, the
console's form), ``validation.py`` checks what is declared, ``store.py`` keeps incidents, affected
users, subscriptions and status changes in the back office's SQL database (each change one
transaction), ``cli.py`` is ``python -m bot.incidents``, ``matching.py`` matches a
message against the active incidents (the embeddings: action-server environment only). The others
use the standard library and light ``bot`` modules only, so any process may import them.
"""
