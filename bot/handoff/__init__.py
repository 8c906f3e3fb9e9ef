"""The live-agent broker's core: a member of staff handed from the bot to a service-desk agent.

``settings.py`` reads knowledge_base/handoff.yml (hours, groups, capacity, timeouts, the Teams
agents' channel); ``hours.py`` tells whether a desk is open and when it opens next; ``store.py`` keeps
every handoff, message, delivery cursor and agent presence in AskIT's SQL database, each change one
transaction; ``offer.py`` decides whether a person can be asked for now; ``agent_token.py`` mints and
checks the agent console's token; ``environment.py`` declares the live chat's settings. Those are
standard library, yaml, PyJWT and light ``bot`` modules only: the Rasa server (Python 3.10), the
action server and the back office (3.11) all import them. ``broker.py`` (the relay) and
``agents.py`` (the agents' socket.io namespace) run in the Rasa server only: they import Rasa.
"""
