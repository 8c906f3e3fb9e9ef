"""The secret the Rasa server shows the action server on every call, and how it is shown.

bot/launcher.py makes ``ASKIT_ACTION_TOKEN`` for each start and gives it to both servers;
bot/rasa_server.py sends it, bot/action_server.py checks it. Standard library only: the launcher
and the Rasa server import it, and neither may load the action server's code.
"""

from __future__ import annotations

import hmac

ACTION_TOKEN_SETTING = "ASKIT_ACTION_TOKEN"
AUTH_HEADER = "Authorization"
AUTH_SCHEME = "Bearer"


def authorization(token: str) -> dict[str, str]:
    """The header that proves a request comes from the Rasa server."""
    return {AUTH_HEADER: f"{AUTH_SCHEME} {token}"}


def authorized(header: str | None, token: str) -> bool:
    expected = authorization(token)[AUTH_HEADER]
    # Bytes: compare_digest refuses str with non-ASCII characters, which a client may send.
    return hmac.compare_digest((header or "").encode("utf-8", "replace"), expected.encode())
