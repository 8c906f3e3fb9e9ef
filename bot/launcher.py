"""Start the action server, the Rasa server and (with --dev, or once configured) the back office,
keep them running, and stop them cleanly.

``make run`` runs this in the foreground: a server that stops unexpectedly is restarted alone,
after a growing delay; Ctrl-C or SIGTERM stops both. The end-to-end tests use ``Stack`` to run
the same processes on free loopback ports. Secrets reach the servers through their environment,
never their command line (``ps`` shows that to everyone on the machine).
Standard library only: it runs under either environment's Python.
"""

from __future__ import annotations

import argparse
import fcntl
import logging
import os
import re
import secrets
import signal
import socket
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from bot.action_auth import ACTION_TOKEN_SETTING
from bot.paths import ROOT, VAR_DIR
from bot.rasa_server import RASA_TOKEN_SETTING
from bot.settings import DEV_MODE_SETTING
from bot.supervisor import PRIVATE_DIR_MODE, Backoff, LaunchError, Server, Supervisor, private_dir

RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"
ACTIONS_PYTHON = ROOT / ".venv-actions" / "bin" / "python"
DEFAULT_MODEL = ROOT / "models" / "current.tar.gz"
DEFAULT_CREDENTIALS = ROOT / "credentials.yml"  # Rasa's input channels (REST, web chat, Teams)
WIDGET_SECRET_SETTING = "ASKIT_WIDGET_JWT_SECRET"  # HS256 key the host site signs widget tokens with
# Owned by bot/channels/widget_config.py, which this standard-library module cannot import
# (cryptography): the pages besides the server's own that may use the widget, and their grammar.
WIDGET_ORIGINS_SETTING = "ASKIT_WIDGET_ORIGINS"
ORIGIN_PATTERN = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$")
PUBLIC_URL_SETTING = "ASKIT_PUBLIC_URL"  # the server's address behind a proxy (bot/channels/articles.py)
IDENTITY_KEY_SETTING = "ASKIT_IDENTITY_KEY"  # owned by bot/identity.py (which needs yaml)
# Nothing AskIT receives is near this (a message is capped at 2,000 characters, a Teams activity
# is a few KB, a tracker sent to the action server a few hundred KB at most); Sanic's own default
# is 100 MB, which let a client store megabytes per message.
MAX_REQUEST_BYTES = 1_048_576
DEFAULT_RASA_PORT = 5005
DEFAULT_ACTION_PORT = 5055
DEFAULT_BACKOFFICE_PORT = 5057
# Owned by bot/backoffice/settings.py (Starlette and Authlib, which this module cannot import).
BACKOFFICE_ISSUER_SETTING = "ASKIT_BACKOFFICE_OIDC_ISSUER"
BACKOFFICE_SECRET_SETTING = "ASKIT_BACKOFFICE_SECRET"
# Owned by bot/handoff/environment.py and bot/handoff/agent_token.py (which need yaml and PyJWT):
# where handoffs live (the back office's database, read by all three servers), and the key the back
# office signs the agent console's tokens with and the Rasa server's broker checks them with.
BACKOFFICE_DB_SETTING = "ASKIT_BACKOFFICE_DB"
BACKOFFICE_PUBLIC_URL_SETTING = "ASKIT_BACKOFFICE_PUBLIC_URL"
AGENT_TOKEN_SECRET_SETTING = "ASKIT_AGENT_TOKEN_SECRET"
INSIGHTS_LOAD_SETTING = "ASKIT_INSIGHTS_LOAD_SECONDS"  # owned by bot/insights/loader.py (needs pika)
HOST = "127.0.0.1"
ACTION_SERVER, RASA_SERVER, BACKOFFICE_SERVER = "action server", "rasa server", "back office"
ACTION_READY_TIMEOUT = 180.0
BACKOFFICE_READY_TIMEOUT = 60.0
RASA_READY_TIMEOUT = 300.0
SUPERVISE_INTERVAL = 0.5

logger = logging.getLogger(__name__)


def port_free(port: int, host: str = HOST) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers do: TIME_WAIT is no conflict
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


# Ports free_port has handed out, each held by a lock until this process ends.
_PORT_LOCKS = Path(tempfile.gettempdir()) / f"askit-ports-{os.getuid()}"
_reserved_ports: list[IO[bytes]] = []


def free_port() -> int:
    """A loopback port that nothing listens on and that no other process has had from this function.

    A server binds its port only once it has loaded its model, seconds after the port was chosen.
    Test processes running side by side choose in that gap, and the kernel may offer the same free
    port to each: then one stack's server answers the other's health check while its own has
    failed to bind. So each port handed out is reserved by a lock file that this process holds
    until it ends; a port another process holds is passed over."""
    _PORT_LOCKS.mkdir(mode=PRIVATE_DIR_MODE, exist_ok=True)
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind((HOST, 0))
            port = int(s.getsockname()[1])
        lock = open(_PORT_LOCKS / str(port), "ab")  # noqa: SIM115 -- held open on purpose
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:  # another process (or this one, earlier) was given it
            lock.close()
            continue
        _reserved_ports.append(lock)
        return port


def tracker_db_url(env: Mapping[str, str]) -> str:
    """The tracker store endpoints.yml uses: TRACKER_DB_URL (PostgreSQL, say) when set,
    else a SQLite file under var/ (or TRACKER_SQLITE_PATH)."""
    return _db_url(env, "TRACKER_DB_URL", Path(env.get("TRACKER_SQLITE_PATH", str(VAR_DIR / "tracker.db"))))


def events_db_url(env: Mapping[str, str]) -> str:
    """Where the event broker writes every event for insights (endpoints.yml): EVENTS_DB_URL when
    set, else events.db beside the tracker's SQLite file. Never the tracker's own database: Rasa's
    tracker store and its event broker both keep a table named ``events``."""
    tracker = Path(env.get("TRACKER_SQLITE_PATH", str(VAR_DIR / "tracker.db")))
    url = _db_url(env, "EVENTS_DB_URL", tracker.with_name("events.db"))
    if url == tracker_db_url(env):
        raise LaunchError("EVENTS_DB_URL must be another database than TRACKER_DB_URL (both have a table 'events')")
    return url


def backoffice_db(env: Mapping[str, str]) -> str:
    """The back office's database, where handoffs live too: ASKIT_BACKOFFICE_DB (a SQLite path or a
    postgresql:// URL) when set, else var/backoffice.sqlite; one absolute place for every server."""
    value = env.get(BACKOFFICE_DB_SETTING, "").strip()
    if "://" in value:
        return value
    path = Path(value or VAR_DIR / "backoffice.sqlite").resolve()
    path.parent.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    return str(path)


def _db_url(env: Mapping[str, str], setting: str, default: Path) -> str:
    url = env.get(setting, "").strip()
    if url:
        if "://" not in url:
            raise LaunchError(f"{setting} must be a URL such as postgresql://user:password@host:5432/db")
        return url
    path = default.resolve()
    # A folder made here is private; one that exists (TRACKER_SQLITE_PATH elsewhere) is the operator's.
    path.parent.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def cors_origins(env: Mapping[str, str], own_url: str) -> list[str]:
    """The pages whose scripts may call the Rasa server: the widget's (ASKIT_WIDGET_ORIGINS) and the
    server's own; none when no widget page is listed. Never "*": Rasa allows credentials with it."""
    listed = [o.strip().rstrip("/") for o in env.get(WIDGET_ORIGINS_SETTING, "").split(",") if o.strip()]
    if "*" in listed:
        # The widget's socket still lets any page connect (its token decides); its scripts' other
        # requests are allowed only from the pages listed by name.
        logger.warning("%s=*: cross-origin requests only from the origins listed by name", WIDGET_ORIGINS_SETTING)
        listed.remove("*")
    bad = [o for o in listed if not ORIGIN_PATTERN.match(o)]
    if bad:
        raise LaunchError(
            f"{WIDGET_ORIGINS_SETTING}: {', '.join(bad)} is not an origin such as https://intranet.example"
        )
    if not listed:
        return []
    public = env.get(PUBLIC_URL_SETTING, "").strip()
    own = [own_url, "/".join(public.split("/")[:3])] if public else [own_url]
    return list(dict.fromkeys([*listed, *own]))


def _new_token() -> str:
    return secrets.token_urlsafe(32)


@dataclass
class Stack:
    """AskIT's two servers, supervised. ``log_dir`` None: they write to this terminal."""

    rasa_port: int = DEFAULT_RASA_PORT
    action_port: int = DEFAULT_ACTION_PORT
    model: Path = DEFAULT_MODEL
    credentials: Path = DEFAULT_CREDENTIALS
    log_dir: Path | None = None
    # The back office (bot/backoffice) beside the two servers: with --dev, or when its sign-in is configured.
    backoffice_port: int | None = None
    dev: bool = False
    extra_env: dict[str, str] = field(default_factory=dict, repr=False)  # may hold a desk's secrets
    # Rasa's HTTP API (--enable-api) lets the action server tell a conversation something later
    # (bot/rasa_api.py); it is on loopback and needs this token, made afresh for every start.
    api_token: str = field(default_factory=_new_token, repr=False)
    # What the Rasa server shows the action server on every call (bot/action_server.py).
    action_token: str = field(default_factory=_new_token, repr=False)
    # Seals the verified identity a channel passes to the actions in a message (bot/identity.py).
    identity_key: str = field(default_factory=_new_token, repr=False)
    backoff: Backoff = field(default_factory=Backoff)
    # Scale-out (docs/deploy.md): with a load balancer in front of the replicas, this Rasa server
    # calls the action servers through it, and this action server reaches Rasa's API through it.
    action_endpoint_port: int | None = None
    rasa_api_url: str | None = None
    _supervisor: Supervisor | None = field(default=None, repr=False)

    @property
    def rasa_url(self) -> str:
        return f"http://{HOST}:{self.rasa_port}"

    @property
    def action_url(self) -> str:
        return f"http://{HOST}:{self.action_port}"

    @property
    def backoffice_url(self) -> str:
        return f"http://{HOST}:{self.backoffice_port}"

    def backoffice_command(self) -> list[str]:
        command = [str(ACTIONS_PYTHON), "-m", "bot.backoffice", "--host", HOST, "--port", str(self.backoffice_port)]
        return [*command, "--dev"] if self.dev else command

    def settings(self) -> dict[str, str]:
        """This process's environment with ``extra_env`` over it: what the servers are configured by."""
        return {**os.environ, **self.extra_env}

    def env(self) -> dict[str, str]:
        env = self.settings()
        env["TRACKER_DB_URL"] = tracker_db_url(env)
        env["EVENTS_DB_URL"] = events_db_url(env)
        env[BACKOFFICE_DB_SETTING] = backoffice_db(env)
        # glibc gives each thread that allocates its own malloc arena; the action server's pool
        # threads (searches, desk calls) grew its memory past 10% in the 10,000-request fuzz run
        # and two arenas kept it at about 6% (docs/benchmarks.md). An operator's value wins.
        env.setdefault("MALLOC_ARENA_MAX", "2")
        if self.backoffice_port is not None:  # the Teams request cards link to its agent console
            env.setdefault(BACKOFFICE_PUBLIC_URL_SETTING, self.backoffice_url)
        env.update(
            {
                "ACTION_PORT": str(self.action_endpoint_port or self.action_port),
                "ASKIT_RASA_URL": self.rasa_api_url or self.rasa_url,
                RASA_TOKEN_SETTING: self.api_token,
                ACTION_TOKEN_SETTING: self.action_token,
                IDENTITY_KEY_SETTING: self.identity_key,
                # Sanic refuses a larger body with 413 before reading it (both servers are Sanic apps).
                "SANIC_REQUEST_MAX_SIZE": str(MAX_REQUEST_BYTES),
                "RASA_TELEMETRY_ENABLED": "false",
                "HF_HUB_OFFLINE": "1",
                "TF_CPP_MIN_LOG_LEVEL": "2",
                "PYTHONPATH": str(ROOT),
            }
        )
        return env

    def action_command(self) -> list[str]:
        return [str(ACTIONS_PYTHON), "-m", "bot.action_server", "--port", str(self.action_port), "--host", HOST]

    def rasa_command(self) -> list[str]:
        """``rasa run`` through bot/rasa_server.py, which adds the tokens from the environment."""
        origins = cors_origins(self.settings(), self.rasa_url)
        return [
            str(RASA_PYTHON),
            "-m",
            "bot.rasa_server",
            "run",
            "--model",
            str(self.model),
            "--port",
            str(self.rasa_port),
            "--interface",
            HOST,
            "--credentials",
            str(self.credentials),
            "--endpoints",
            "endpoints.yml",
            *(["--cors", *origins] if origins else []),
            "--enable-api",
        ]

    def start(self) -> None:
        ports = [("ACTION_PORT", self.action_port), ("RASA_PORT", self.rasa_port)]
        if self.backoffice_port is not None:
            ports.append(("BACKOFFICE_PORT", self.backoffice_port))
        for setting, port in ports:
            if not port_free(port):
                raise LaunchError(f"port {port} ({setting}) is already in use: stop what uses it or set {setting}")
        if not self.model.exists():
            raise LaunchError(f"no trained model at {self.model}: run 'make model'")
        private_dir(VAR_DIR)  # conversations, tickets and the outbox live there by default
        # Side by side: Rasa calls the action server only when a conversation runs an action, and
        # nobody is told the chat's address before both are ready.
        self._supervisor = supervisor = Supervisor(self.env(), self.log_dir, self.backoff)
        servers = [
            Server(ACTION_SERVER, self.action_command(), f"{self.action_url}/health", ACTION_READY_TIMEOUT),
            Server(RASA_SERVER, self.rasa_command(), f"{self.rasa_url}/", RASA_READY_TIMEOUT),
        ]
        if self.backoffice_port is not None:
            health = f"{self.backoffice_url}/health"
            servers.append(Server(BACKOFFICE_SERVER, self.backoffice_command(), health, BACKOFFICE_READY_TIMEOUT))
        try:
            supervisor.start(*servers)
        except BaseException:
            self.stop()
            raise

    def first_exited(self) -> str | None:
        """A server found stopped (``supervise_once`` restarts it), or None."""
        servers = self._supervisor.servers.values() if self._supervisor else ()
        return next((s.name for s in servers if s.proc is not None and s.proc.poll() is not None), None)

    def supervise_once(self) -> None:
        """Restart a server that stopped (after its delay); LaunchError when one keeps failing."""
        if self._supervisor is not None:
            self._supervisor.supervise_once()

    def stop(self) -> None:
        if self._supervisor is not None:
            self._supervisor.stop()
            self._supervisor = None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot.launcher", description=__doc__)
    parser.add_argument("--rasa-port", type=int, default=int(os.environ.get("RASA_PORT", DEFAULT_RASA_PORT)))
    parser.add_argument("--action-port", type=int, default=int(os.environ.get("ACTION_PORT", DEFAULT_ACTION_PORT)))
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument(
        "--backoffice-port", type=int, default=int(os.environ.get("BACKOFFICE_PORT", DEFAULT_BACKOFFICE_PORT))
    )
    parser.add_argument(
        "--credentials",
        type=Path,
        default=Path(os.environ.get("ASKIT_CREDENTIALS", DEFAULT_CREDENTIALS)),
        help="Rasa's channel settings (default: credentials.yml, or ASKIT_CREDENTIALS)",
    )
    parser.add_argument(
        "--dev",
        action="store_true",
        help="development mode: the demo chat page signs in a demo user; never use where others can reach it",
    )
    return parser


def _banner(stack: Stack, dev: bool) -> str:
    return (
        f"\nAskIT is running.\n"
        f"  Chat in your browser:  {stack.rasa_url}/webhooks/webchat/\n"
        f'  REST channel:          POST {stack.rasa_url}/webhooks/rest/webhook  {{"sender": "me", "message": "hi"}}\n'
        f"  In a terminal:         make shell  (in another terminal)\n"
        f"  Tickets raised:        .venv-actions/bin/python -m bot.servicedesk tickets\n"
        + (f"  Back office:           {stack.backoffice_url}/\n" if stack.backoffice_port is not None else "")
        + (f"  Back office sign-in:   {stack.backoffice_url}/dev/signin  (a demo person per role)\n" if dev else "")
        + ("  Development mode: the chat page signs you in as a demo user. Never expose this server.\n" if dev else "")
        + "Press Ctrl-C to stop.\n"
    )


def dev_settings(environ: Mapping[str, str]) -> dict[str, str]:
    """What development mode (``make run``) adds: the demo page's and back office's keys made for
    this run unless configured, and the insights loaded every minute by the back office."""
    return {
        DEV_MODE_SETTING: "1",
        WIDGET_SECRET_SETTING: environ.get(WIDGET_SECRET_SETTING) or _new_token(),
        BACKOFFICE_SECRET_SETTING: environ.get(BACKOFFICE_SECRET_SETTING) or _new_token(),
        AGENT_TOKEN_SECRET_SETTING: environ.get(AGENT_TOKEN_SECRET_SETTING) or _new_token(),
        # The managers' dashboard shows a chat had here a minute later, with no cron job to set up.
        INSIGHTS_LOAD_SETTING: environ.get(INSIGHTS_LOAD_SETTING) or "60",
    }


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s launcher: %(message)s")
    stopping = False

    def request_stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    extra_env = dev_settings(os.environ) if args.dev else {}
    # Without --dev the back office starts only once its sign-in is configured (docs/backoffice.md).
    with_backoffice = args.dev or bool(os.environ.get(BACKOFFICE_ISSUER_SETTING, "").strip())
    stack = Stack(
        rasa_port=args.rasa_port,
        action_port=args.action_port,
        model=args.model,
        credentials=args.credentials,
        extra_env=extra_env,
        backoffice_port=args.backoffice_port if with_backoffice else None,
        dev=args.dev,
    )
    try:
        stack.start()
    except LaunchError as exc:
        print(f"cannot start AskIT: {exc}", file=sys.stderr)
        return 1
    print(_banner(stack, args.dev), flush=True)
    try:
        while not stopping:
            stack.supervise_once()
            time.sleep(SUPERVISE_INTERVAL)
    except LaunchError as exc:
        print(f"stopping AskIT: {exc}", file=sys.stderr, flush=True)
        stack.stop()
        return 1
    print("stopping AskIT…", flush=True)
    stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
