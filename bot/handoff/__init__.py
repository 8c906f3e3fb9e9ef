"""The live-agent broker's core: a member of staff handed from the bot to a service-desk agent.

``settings.py`` reads knowledge_base/handoff.yml (hours, groups, capacity, timeouts, the Teams
agents' channel); ``hours.py`` tells whether a desk is open and when it opens next; ``store.py`` keeps
every handoff, message, delivery cursor and agent presence in AskIT's SQL database, each change one
transaction. Standard library, yaml and light ``bot`` modules only: the Rasa server (Python 3.10)
and the back office (3.11) both import it.
"""
