"""Start the Rasa action server (action-server environment), open only to the Rasa server.

Configuration, the index and the embedding model are loaded before the server listens, so a
bad setting stops start-up with a message that names it and the first question is fast.
Every request but ``GET /health`` must carry ``Authorization: Bearer $ASKIT_ACTION_TOKEN``, the
secret bot/launcher.py makes for each start and gives the Rasa server too (bot/rasa_server.py):
without it anyone who reaches the port could run ``action_create_ticket`` on a made-up tracker.
Errors answer with a fixed message and never echo the request. Standard library only at import:
the launcher and the Rasa server's wrapper import the names below.
"""

from __future__ import annotations

import argparse
import json as json_module
import logging
import os
import sys
import traceback
from collections.abc import Mapping
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from bot.action_auth import ACTION_TOKEN_SETTING, AUTH_HEADER, authorized

if TYPE_CHECKING:
    from sanic import HTTPResponse, Request, Sanic

    from bot.services import Services

DEFAULT_PORT = 5055
DEFAULT_HOST = "127.0.0.1"
MAX_TRACKER_BYTES = 32 * 1_048_576
OPEN_ROUTES = frozenset({("GET", "/health")})  # the launcher's readiness check
INSECURE_FLAG = "--insecure-no-token"
INTERNAL_ERROR = "internal error"

logger = logging.getLogger(__name__)


def _where(exc: BaseException) -> str:
    """Where ``exc`` was raised (file:line in function): enough to debug, none of the request."""
    frames = traceback.extract_tb(exc.__traceback__)
    return f"{frames[-1].filename}:{frames[-1].lineno} in {frames[-1].name}" if frames else "unknown place"


def error_response(request: Request, exc: BaseException) -> HTTPResponse:
    """A JSON error with a fixed message: rasa-sdk's own handler echoes the request's body."""
    from sanic import json
    from sanic.exceptions import SanicException

    if isinstance(exc, SanicException):  # not found, bad JSON, wrong method: the client's mistake
        status = HTTPStatus(exc.status_code)
        return json({"error": status.phrase.lower()}, status=status)
    # The type and place only: an exception's message may quote the tracker it choked on.
    logger.error("%s %s failed: %s at %s", request.method, request.path, type(exc).__name__, _where(exc))
    return json({"error": INTERNAL_ERROR}, status=HTTPStatus.INTERNAL_SERVER_ERROR)


_TRACKER_FIELDS: dict[str, type | tuple[type, ...]] = {
    "sender_id": str,
    "slots": dict,
    "latest_message": dict,
    "events": list,
    "active_loop": (dict, type(None)),
}
_MESSAGE_FIELDS: dict[str, type | tuple[type, ...]] = {
    "text": (str, type(None)),
    "intent": dict,
    "entities": list,
    "metadata": (dict, type(None)),
}


def action_call_problem(call: object) -> str | None:
    """Why rasa-sdk could not run this action call (it would answer a 500), or None. The Rasa
    server's calls always pass; a malformed one gets 400 and never reaches an action."""
    if not isinstance(call, dict) or not isinstance(call.get("next_action"), str):
        return "the body must be an object with next_action"
    if not isinstance(call.get("version", ""), str | None):  # rasa-sdk compares it as text
        return "version must be text"
    tracker, domain = call.get("tracker"), call.get("domain", {})
    if not isinstance(tracker, dict) or "sender_id" not in tracker or not isinstance(domain, dict):
        return "tracker (with sender_id) and domain must be objects"
    message = tracker.get("latest_message") or {}
    for fields, given, where in ((_TRACKER_FIELDS, tracker, "tracker"), (_MESSAGE_FIELDS, message, "latest_message")):
        wrong = [key for key, kind in fields.items() if key in given and not isinstance(given[key], kind)]
        if wrong:
            return f"{where}.{wrong[0]} has the wrong type"
    if not all(isinstance(e, dict) for e in tracker.get("events") or []):
        return "tracker.events must be objects"
    if not all(isinstance(e, dict) for e in message.get("entities") or []):
        return "latest_message.entities must be objects"
    try:
        json_module.dumps(call, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: no tokenizer or database takes it
        return "the body holds text that is not valid Unicode"
    return None


def build_app(executor: Any, token: str | None) -> Sanic:
    """rasa-sdk's app for ``executor``, answering only requests that carry ``token`` (None: any)."""
    from rasa_sdk.endpoint import create_app
    from sanic import json
    from sanic.handlers import ErrorHandler

    class QuietErrors(ErrorHandler):
        def response(self, request: Request, exception: Exception) -> HTTPResponse:
            return error_response(request, exception)

        def default(self, request: Request, exception: Exception) -> HTTPResponse:
            return error_response(request, exception)

    app = create_app(executor, cors_origins=None)  # no CORS: its only client is the Rasa server
    # Rasa sends the whole conversation session with every call: allow more than the channels do.
    app.config.REQUEST_MAX_SIZE = MAX_TRACKER_BYTES
    app.error_handler = QuietErrors()  # replaces rasa-sdk's handler, which echoes the body

    @app.on_request
    async def require_token(request: Request) -> HTTPResponse | None:
        if token is None or (request.method, request.path) in OPEN_ROUTES:
            return None
        if authorized(request.headers.get(AUTH_HEADER), token):
            return None
        return json({"error": "unauthorized"}, status=HTTPStatus.UNAUTHORIZED)

    @app.on_request
    async def refuse_malformed_calls(request: Request) -> HTTPResponse | None:
        if (request.method, request.path) != ("POST", "/webhook") or request.headers.get("Content-Encoding"):
            return None
        problem = action_call_problem(request.json)
        return json({"error": problem}, status=HTTPStatus.BAD_REQUEST) if problem else None

    return app


def blocking_work_in_threads(app: Sanic, threads: int) -> None:
    """The pool the actions' ``asyncio.to_thread`` calls run in (search, desk calls, outbox
    writes): the event loop only ever waits for them, so one slow desk holds up nobody else."""
    from concurrent.futures import ThreadPoolExecutor

    @app.before_server_start
    async def size_the_pool(_app: Sanic, loop: Any) -> None:
        loop.set_default_executor(ThreadPoolExecutor(threads, thread_name_prefix="action"))


def serve(app: Sanic, host: str, port: int) -> None:
    """Run ``app`` as rasa-sdk's ``endpoint.run()`` does (tracing, plugins, workers, keep-alive)."""
    from functools import partial

    from rasa_sdk import utils
    from rasa_sdk.constants import DEFAULT_ENDPOINTS_PATH, DEFAULT_KEEP_ALIVE_TIMEOUT
    from rasa_sdk.endpoint import load_tracer_provider
    from rasa_sdk.plugin import plugin_manager

    from bot.gc_freeze import freeze_what_is_loaded
    from bot.http_guard import refuse_malformed_head

    app.config.KEEP_ALIVE_TIMEOUT = DEFAULT_KEEP_ALIVE_TIMEOUT
    app.register_listener(partial(load_tracer_provider, DEFAULT_ENDPOINTS_PATH), "before_server_start")
    plugin_manager().hook.attach_sanic_app_extensions(app=app)
    refuse_malformed_head(app)
    app.register_listener(freeze_what_is_loaded, "after_server_start")  # the encoder and the index
    logger.info("Action endpoint is up and running on http://%s:%s", host, port)
    app.run(host=host, port=port, workers=utils.number_of_sanic_workers(), legacy=True)


def _start_services(env: Mapping[str, str]) -> tuple[Services, int] | None:
    """The actions' services, built from configuration and started (the incident feeds' polls too),
    and the threads for their blocking work; None, with one line on stderr, when a setting or file
    is bad (every one is checked before the index and the model load)."""
    from bot.config import ConfigurationError
    from bot.identity import IdentitySealError
    from bot.incidents.feeds.poller import IncidentFeeds
    from bot.knowledge import KnowledgeError
    from bot.secret import install_log_redaction
    from bot.servicedesk import ServiceDeskError
    from bot.services import Services, action_threads

    # After the imports: importing FAISS announces itself at INFO, which is not news.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    install_log_redaction()
    try:
        feeds = IncidentFeeds.from_env(env)  # checked with the other files, before the index and the model load
        services, threads = Services.from_env(env), action_threads(env)
        services.start()
        feeds.start(services.incidents)
    except (ConfigurationError, KnowledgeError, ServiceDeskError, IdentitySealError) as exc:
        print(f"action server cannot start: {exc}", file=sys.stderr)
        return None
    return services, threads


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.action_server", description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("ACTION_PORT", DEFAULT_PORT)))
    # SANIC_HOST is what rasa-sdk's own start reads; ACTION_HOST is ours.
    parser.add_argument("--host", default=os.environ.get("ACTION_HOST") or os.environ.get("SANIC_HOST", DEFAULT_HOST))
    parser.add_argument(
        INSECURE_FLAG, action="store_true", help=f"answer requests without {ACTION_TOKEN_SETTING} (development only)"
    )
    args = parser.parse_args(argv)
    token = os.environ.get(ACTION_TOKEN_SETTING, "").strip() or None
    if token is None and not args.insecure_no_token:
        print(
            f"action server cannot start: {ACTION_TOKEN_SETTING} is not set, so anyone who can reach port "
            f"{args.port} could run actions (raise tickets) as anyone. Start it with 'make run' "
            f"(bot/launcher.py makes the token), or pass {INSECURE_FLAG} on a machine only you use.",
            file=sys.stderr,
        )
        return 2
    started = _start_services(os.environ)
    if started is None:
        return 2
    services, threads = started

    from rasa_sdk.executor import ActionExecutor

    from actions import all_actions

    executor = ActionExecutor()
    for action in all_actions(services):
        executor.register_action(action)
    if token is None:
        logger.warning("%s: every request is answered, whoever sends it", INSECURE_FLAG)
    app = build_app(executor, token)
    blocking_work_in_threads(app, threads)
    serve(app, args.host, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
