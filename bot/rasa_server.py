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

from bot.action_auth import ACTION_TOKEN_SETTING, authorization
from bot.gc_freeze import freeze_what_is_loaded
from bot.http_guard import close_websockets_on_invalid_text, refuse_malformed_head

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
    """Every Sanic app Rasa's ``serve_application`` builds gets AskIT's HTTP guards (bot/http_guard.py),
    and its loaded model is kept out of the garbage collector's full collections."""
    configure_app = rasa_run.configure_app

    def configured(*args: Any, **kwargs: Any) -> Any:
        app = configure_app(*args, **kwargs)
        refuse_malformed_head(app)
        app.register_listener(freeze_what_is_loaded, "after_server_start")
        return app

    rasa_run.configure_app = configured


def validate_action_answers_once() -> None:
    """Rasa checks every action server answer with ``jsonschema.validate``, which first checks the
    schema itself against its meta-schema: 67 ms of a 150 ms knowledge turn on our machine
    (benchmarks/turn_latency.py). The same check, with the validator built once."""
    # By name: neither is installed where the launcher imports this module's names.
    validators: Any = importlib.import_module("jsonschema.validators")
    remote_action: Any = importlib.import_module("rasa.core.actions.action").RemoteAction
    validation_error: Any = importlib.import_module("jsonschema").ValidationError

    spec = remote_action.action_response_format_spec()
    validator = validators.validator_for(spec)(spec)
    explained = remote_action._validate_action_result

    def validated(self: Any, result: dict[str, Any]) -> bool:
        try:
            validator.validate(result)
        except validation_error:
            return bool(explained(self, result))  # Rasa's own check, which raises with its advice
        return True

    setattr(remote_action, "_validate_action_result", validated)  # noqa: B010 - mypy refuses assigning a method


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    try:
        sys.argv[1:] = rasa_argv(args, os.environ)
    except RasaServerError as exc:
        sys.exit(f"rasa server cannot start: {exc}")
    # Imported here: it needs Rasa, which is not installed where the launcher imports this module.
    from bot.amqp_url import AmqpUrlError, amqp_url
    from bot.lock_store import LockStoreConfigError, checked
    from bot.redis_url import RedisUrlError

    try:  # before Rasa starts: it makes the lock store and event broker in each worker, once started
        checked(os.environ)
        amqp_url(os.environ)
    except (RedisUrlError, LockStoreConfigError, AmqpUrlError) as exc:
        sys.exit(f"rasa server cannot start: {exc}")
    action_token = os.environ.get(ACTION_TOKEN_SETTING, "").strip()
    if action_token:
        add_action_token(action_token)
    guard_http(importlib.import_module("rasa.core.run"))
    validate_action_answers_once()
    close_websockets_on_invalid_text()
    # Imported here, not above: rasa (the Rasa environment's) is not installed where the launcher
    # imports this module's names.
    from bot.channels.errors import ChannelConfigError
    from bot.config import ConfigurationError
    from bot.identity import IdentitySealError

    try:
        importlib.import_module("rasa.__main__").main()
    except (ChannelConfigError, ConfigurationError, IdentitySealError) as exc:
        # A channel's settings, checked when Rasa makes the channels, before it serves: one line.
        sys.exit(f"rasa server cannot start: {exc}")


if __name__ == "__main__":
    main()
