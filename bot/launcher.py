"""Start the action server and the Rasa server together and stop both cleanly.

``make run`` runs this in the foreground (Ctrl-C or SIGTERM stops both servers); the
end-to-end tests use ``Stack`` to run the same processes on free loopback ports.
Standard library only: it runs under either environment's Python.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent.parent
RASA_BIN = ROOT / ".venv-rasa" / "bin" / "rasa"
ACTIONS_PYTHON = ROOT / ".venv-actions" / "bin" / "python"
DEFAULT_MODEL = ROOT / "models" / "current.tar.gz"
DEFAULT_CREDENTIALS = ROOT / "credentials.yml"  # Rasa's input channels (REST, web chat, Teams)
DEV_MODE_SETTING = "ASKIT_DEV_MODE"  # "1": the chat page signs a demo user in (bot/channels/webchat.py)
WIDGET_SECRET_SETTING = "ASKIT_WIDGET_JWT_SECRET"  # HS256 key the host site signs widget tokens with
DEFAULT_RASA_PORT = 5005
DEFAULT_ACTION_PORT = 5055
HOST = "127.0.0.1"
ACTION_READY_TIMEOUT = 180.0
RASA_READY_TIMEOUT = 300.0
STOP_TIMEOUT = 20.0


class LaunchError(Exception):
    """The servers cannot be started; the message says why."""


def port_free(port: int, host: str = HOST) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers do: TIME_WAIT is no conflict
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def tracker_db_url(env: Mapping[str, str]) -> str:
    """The tracker store endpoints.yml uses: TRACKER_DB_URL (PostgreSQL, say) when set,
    else a SQLite file under var/ (or TRACKER_SQLITE_PATH)."""
    url = env.get("TRACKER_DB_URL", "").strip()
    if url:
        if "://" not in url:
            raise LaunchError("TRACKER_DB_URL must be a URL such as postgresql://user:password@host:5432/db")
        return url
    path = Path(env.get("TRACKER_SQLITE_PATH", str(ROOT / "var" / "tracker.db"))).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as reply:
            return bool(reply.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@dataclass
class Stack:
    """The two servers. ``log_dir`` None: they write to this terminal."""

    rasa_port: int = DEFAULT_RASA_PORT
    action_port: int = DEFAULT_ACTION_PORT
    model: Path = DEFAULT_MODEL
    credentials: Path = DEFAULT_CREDENTIALS
    log_dir: Path | None = None
    extra_env: dict[str, str] = field(default_factory=dict, repr=False)  # may hold a desk's secrets
    # Rasa's HTTP API (--enable-api) lets the action server tell a conversation something later
    # (bot/rasa_api.py); it is on loopback and needs this token, made afresh for every start.
    api_token: str = field(default_factory=lambda: secrets.token_urlsafe(32), repr=False)
    _procs: list[tuple[str, subprocess.Popen[bytes], IO[bytes] | None]] = field(default_factory=list)

    @property
    def rasa_url(self) -> str:
        return f"http://{HOST}:{self.rasa_port}"

    @property
    def action_url(self) -> str:
        return f"http://{HOST}:{self.action_port}"

    def env(self) -> dict[str, str]:
        env = {**os.environ, **self.extra_env}
        env["TRACKER_DB_URL"] = tracker_db_url(env)
        env.update(
            {
                "ACTION_PORT": str(self.action_port),
                "ASKIT_RASA_URL": self.rasa_url,
                "ASKIT_RASA_TOKEN": self.api_token,
                "RASA_TELEMETRY_ENABLED": "false",
                "HF_HUB_OFFLINE": "1",
                "TF_CPP_MIN_LOG_LEVEL": "2",
                "PYTHONPATH": str(ROOT),
            }
        )
        return env

    def _spawn(self, name: str, command: list[str]) -> None:
        log: IO[bytes] | None = None
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            log = open(self.log_dir / f"{name}.log", "wb")  # noqa: SIM115 - closed in stop()
        proc = subprocess.Popen(
            command, cwd=ROOT, env=self.env(), stdout=log, stderr=subprocess.STDOUT if log else None
        )
        self._procs.append((name, proc, log))

    def _wait(self, name: str, url: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        proc = next(p for n, p, _ in self._procs if n == name)
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise LaunchError(f"the {name} exited with code {proc.returncode} while starting{self._log_hint(name)}")
            if _ready(url):
                return
            time.sleep(0.5)
        raise LaunchError(f"the {name} was not ready after {timeout:.0f}s{self._log_hint(name)}")

    def _log_hint(self, name: str) -> str:
        return f" (see {self.log_dir / (name + '.log')})" if self.log_dir else ""

    def start(self) -> None:
        for setting, port in (("ACTION_PORT", self.action_port), ("RASA_PORT", self.rasa_port)):
            if not port_free(port):
                raise LaunchError(f"port {port} ({setting}) is already in use: stop what uses it or set {setting}")
        if not self.model.exists():
            raise LaunchError(f"no trained model at {self.model}: run 'make model'")
        try:
            self._spawn(
                "action server",
                [str(ACTIONS_PYTHON), "-m", "bot.action_server", "--port", str(self.action_port), "--host", HOST],
            )
            self._wait("action server", f"{self.action_url}/health", ACTION_READY_TIMEOUT)
            self._spawn(
                "rasa server",
                [
                    str(RASA_BIN),
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
                    "--cors",
                    "*",
                    "--enable-api",
                    # One argument: a token that starts with "-" would otherwise be read as an option.
                    f"--auth-token={self.api_token}",
                ],
            )
            self._wait("rasa server", f"{self.rasa_url}/", RASA_READY_TIMEOUT)
        except BaseException:
            self.stop()
            raise

    def first_exited(self) -> str | None:
        return next((name for name, proc, _ in self._procs if proc.poll() is not None), None)

    def stop(self) -> None:
        for _, proc, _ in reversed(self._procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        for _, proc, log in reversed(self._procs):
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            if log:
                log.close()
        self._procs.clear()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.launcher", description=__doc__)
    parser.add_argument("--rasa-port", type=int, default=int(os.environ.get("RASA_PORT", DEFAULT_RASA_PORT)))
    parser.add_argument("--action-port", type=int, default=int(os.environ.get("ACTION_PORT", DEFAULT_ACTION_PORT)))
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
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
    args = parser.parse_args(argv)

    stopping = False

    def request_stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    extra_env: dict[str, str] = {}
    if args.dev:
        # The demo page's tokens are signed with a key made for this run unless one is configured.
        extra_env[DEV_MODE_SETTING] = "1"
        extra_env[WIDGET_SECRET_SETTING] = os.environ.get(WIDGET_SECRET_SETTING) or secrets.token_urlsafe(32)
    stack = Stack(
        rasa_port=args.rasa_port,
        action_port=args.action_port,
        model=args.model,
        credentials=args.credentials,
        extra_env=extra_env,
    )
    try:
        stack.start()
    except LaunchError as exc:
        print(f"cannot start AskIT: {exc}", file=sys.stderr)
        return 1
    print(
        f"\nAskIT is running.\n"
        f"  Chat in your browser:  {stack.rasa_url}/webhooks/webchat/\n"
        f'  REST channel:          POST {stack.rasa_url}/webhooks/rest/webhook  {{"sender": "me", "message": "hi"}}\n'
        f"  In a terminal:         make shell  (in another terminal)\n"
        f"  Tickets raised:        .venv-actions/bin/python -m bot.servicedesk tickets\n"
        + (
            "  Development mode: the chat page signs you in as a demo user. Never expose this server.\n"
            if args.dev
            else ""
        )
        + "Press Ctrl-C to stop.\n",
        flush=True,
    )
    while not stopping:
        exited = stack.first_exited()
        if exited:
            print(f"the {exited} stopped unexpectedly; stopping AskIT", file=sys.stderr)
            stack.stop()
            return 1
        time.sleep(0.5)
    print("stopping AskIT…", flush=True)
    stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
