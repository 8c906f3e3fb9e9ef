"""The settings more than one part of AskIT reads, named once here. Standard library only: the
launcher, both servers and the terminal chat import it."""

from __future__ import annotations

# "1": development on one machine: the REST channel needs no token, the chat page signs a demo
# user in. `make run` sets it; production never should.
DEV_MODE_SETTING = "ASKIT_DEV_MODE"
# The bearer token AskIT's REST channel (bot/channels/rest.py) asks of every client.
REST_TOKEN_SETTING = "ASKIT_REST_TOKEN"
