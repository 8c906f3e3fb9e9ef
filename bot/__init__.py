"""AskIT: an IT self-service assistant. Shared by the Rasa and the action-server environments.

Each subpackage imports only what its own environment has: ``bot.channels`` runs inside the
Rasa server (Python 3.10), ``bot.knowledge`` and ``bot.servicedesk`` inside the action server
(Python 3.11). ``bot.replies`` and ``bot.paths`` are plain Python and safe everywhere.
"""
