"""``rasa run`` with its secrets taken from the environment, never from the command line.

``.venv-rasa/bin/python -m bot.rasa_server run ...`` is ``rasa run ...`` plus, in this process:

- ``--auth-token`` (the HTTP API's token) from ``ASKIT_RASA_TOKEN``, appended to ``sys.argv``
  after start, so ``ps`` and /proc/PID/cmdline show the command without it;
- the header ``Authorization: Bearer $ASKIT_ACTION_TOKEN`` on every call to the action server
  (bot/action_server.py refuses calls without it). It is not written in endpoints.yml: Rasa would
  then refuse to read that file wherever the variable is unset (``rasa shell``, ``rasa test``).

Standard library only at import: bot/launcher.py imports the setting names from here.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Mapping
from typing import Any

from bot.action_server import ACTION_TOKEN_SETTING, authorization
from bot.http_guard import close_websockets_on_invalid_text, refuse_bad_content_length

RASA_TOKEN_SETTING = "ASKIT_RASA_TOKEN"  # also read by bot/rasa_api.py, which calls this API
API_FLAG = "--enable-api"


class RasaServerError(Exception):
    """The server must not start as asked; the message says why."""


def rasa_argv(args: list[str], env: Mapping[str, str]) -> list[str]:
    """Rasa's command line: ``args`` and, when the HTTP API is on, its token from ``env``."""
    if API_FLAG not in args:
        return args
    token = env.get(RASA_TOKEN_SETTING, "").strip()
    if not token:
        # Rasa would serve its API (conversations, the model) to anyone who can reach the port.
        raise RasaServerError(f"{API_FLAG} needs {RASA_TOKEN_SETTING}: the HTTP API's token")
    # One argument: a token that starts with "-" would otherwise be read as an option.
    return [*args, f"--auth-token={token}"]


def add_action_token(token: str) -> None:
    """Send ``token`` with every call to the action server, whatever endpoints.yml says."""
    available_endpoints: Any = importlib.import_module("rasa.core.utils").AvailableEndpoints
    read_endpoints = available_endpoints.read_endpoints.__func__

    def read_with_token(cls: Any, endpoint_file: str) -> Any:
        endpoints = read_endpoints(cls, endpoint_file)
        if endpoints.action is not None:
            endpoints.action.headers.update(authorization(token))
        return endpoints

    available_endpoints.read_endpoints = classmethod(read_with_token)


def guard_http(rasa_run: Any) -> None:
    """Every Sanic app Rasa's ``serve_application`` builds gets AskIT's HTTP guards (bot/http_guard.py)."""
    configure_app = rasa_run.configure_app

    def configured(*args: Any, **kwargs: Any) -> Any:
        app = configure_app(*args, **kwargs)
        refuse_bad_content_length(app)
        return app

    rasa_run.configure_app = configured


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    try:
        sys.argv[1:] = rasa_argv(args, os.environ)
    except RasaServerError as exc:
        sys.exit(f"rasa server cannot start: {exc}")
    action_token = os.environ.get(ACTION_TOKEN_SETTING, "").strip()
    if action_token:
        add_action_token(action_token)
    guard_http(importlib.import_module("rasa.core.run"))
    close_websockets_on_invalid_text()
    # Imported here, not above: rasa (the Rasa environment's) is not installed where the launcher
    # imports this module's names.
    importlib.import_module("rasa.__main__").main()


if __name__ == "__main__":
    main()
