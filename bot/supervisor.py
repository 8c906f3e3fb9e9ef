"""Keep a few server processes running: start them together until each is ready, restart one that stops
alone after a growing delay, give up on one that keeps failing to start, stop them together.
Their files are private to this user (umask 077). Standard library only, like bot/launcher.py.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from bot.paths import ROOT

READY_POLL = 0.5
HEALTH_TIMEOUT = 2.0
STOP_TIMEOUT = 20.0
# The servers' files (conversations, tickets, logs) are for this user only.
PRIVATE_UMASK = 0o077
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600

logger = logging.getLogger(__name__)


class LaunchError(Exception):
    """The servers cannot be started or kept running; the message says why."""


def private_dir(path: Path) -> Path:
    """``path`` as a folder only this user can enter, made so if it was not."""
    path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    path.chmod(PRIVATE_DIR_MODE)
    return path


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=HEALTH_TIMEOUT) as reply:
            return bool(reply.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def describe_exit(returncode: int) -> str:
    """A process's end as Popen reports it (a negative code is the signal that killed it)."""
    if returncode >= 0:
        return f"exit code {returncode}"
    try:
        return f"killed by {signal.Signals(-returncode).name}"
    except ValueError:
        return f"killed by signal {-returncode}"


@dataclass(frozen=True)
class Backoff:
    """When to restart a server that stopped, and when to give up."""

    first: float = 1.0  # seconds before the first restart
    limit: float = 60.0  # the delay doubles up to this
    reset_after: float = 60.0  # up this long: the next restart waits ``first`` again
    max_failed_starts: int = 5  # stopped before ready this many times in a row: stop everything


@dataclass
class Server:
    """One supervised process: how to start it, how to tell it is ready, and its restart state."""

    name: str
    command: list[str]
    health_url: str
    ready_timeout: float
    proc: subprocess.Popen[bytes] | None = None
    log: IO[bytes] | None = None
    started_at: float = 0.0
    ready_at: float | None = None  # None: not ready since it was last started
    failed_starts: int = 0  # in a row: stopped, or killed, before it was ready
    next_delay: float | None = None  # None: ``Backoff.first``
    restart_at: float | None = None  # set while it waits to be restarted

    def stopped(self, returncode: int, now: float, backoff: Backoff) -> float:
        """Note that it stopped; how long to wait before starting it again.
        Raises LaunchError when it has failed to start too many times in a row."""
        if self.ready_at is None:
            self.failed_starts += 1
            if self.failed_starts >= backoff.max_failed_starts:
                raise LaunchError(
                    f"the {self.name} failed to start {self.failed_starts} times in a row "
                    f"(last: {describe_exit(returncode)})"
                )
        elif now - self.ready_at >= backoff.reset_after:
            self.next_delay = None
        delay = backoff.first if self.next_delay is None else self.next_delay
        self.next_delay = min(delay * 2, backoff.limit)
        self.restart_at = now + delay
        return delay


@dataclass
class Supervisor:
    """Processes started together, each restarted alone when it stops, stopped together."""

    env: dict[str, str] = field(repr=False)  # holds the servers' secrets
    log_dir: Path | None = None  # None: they write to this terminal
    backoff: Backoff = field(default_factory=Backoff)
    servers: dict[str, Server] = field(default_factory=dict)

    def start(self, *servers: Server) -> None:
        """Start ``servers`` side by side and wait until every one is ready; LaunchError (naming the
        first found failing) if one is not. They load their models in parallel: a stack is up in
        the time of its slowest server, not the sum."""
        for server in servers:
            self.servers[server.name] = server
            self._spawn(server, append_log=False)
        waiting = list(servers)
        while waiting:
            now = time.monotonic()
            waiting = [server for server in waiting if not self._became_ready(server, now)]
            for server in waiting:
                assert server.proc is not None
                if server.proc.poll() is not None:
                    problem = f"stopped while starting ({describe_exit(server.proc.returncode)})"
                elif self._too_slow(server, now):
                    problem = f"was not ready after {server.ready_timeout:.0f}s"
                else:
                    continue
                raise LaunchError(f"the {server.name} {problem}{self.log_hint(server.name)}")
            if waiting:
                time.sleep(READY_POLL)

    def supervise_once(self) -> None:
        """One look at every server: restart one whose delay is up, note one that stopped or became
        ready. Raises LaunchError when one keeps failing to start."""
        now = time.monotonic()
        for server in self.servers.values():
            assert server.proc is not None
            if server.restart_at is not None:
                if now >= server.restart_at:
                    self._spawn(server, append_log=True)
            elif server.proc.poll() is not None:
                self._stopped(server, server.proc.returncode, now)
            elif server.ready_at is None and not self._became_ready(server, now) and self._too_slow(server, now):
                logger.warning("the %s was not ready after %.0fs; killing it", server.name, server.ready_timeout)
                server.proc.kill()  # seen as stopped next time: one more failed start

    def _stopped(self, server: Server, returncode: int, now: float) -> None:
        try:
            delay = server.stopped(returncode, now, self.backoff)
        except LaunchError as exc:
            raise LaunchError(f"{exc}{self.log_hint(server.name)}") from None
        logger.warning(
            "the %s stopped unexpectedly (%s); restarting it in %gs%s",
            server.name,
            describe_exit(returncode),
            delay,
            self.log_hint(server.name),
        )

    @staticmethod
    def _too_slow(server: Server, now: float) -> bool:
        return now - server.started_at > server.ready_timeout

    def _became_ready(self, server: Server, now: float) -> bool:
        if not _ready(server.health_url):
            return False
        server.ready_at, server.failed_starts = now, 0
        return True

    def _spawn(self, server: Server, append_log: bool) -> None:
        if server.log is not None:
            server.log.close()
        server.log = self._open_log(server.name, append_log)
        server.proc = subprocess.Popen(
            server.command,
            cwd=ROOT,
            env=self.env,
            stdout=server.log,
            stderr=subprocess.STDOUT if server.log else None,
            umask=PRIVATE_UMASK,
        )
        server.started_at, server.ready_at, server.restart_at = time.monotonic(), None, None
        if append_log:
            logger.warning("restarted the %s (pid %d)", server.name, server.proc.pid)

    def _open_log(self, name: str, append: bool) -> IO[bytes] | None:
        if self.log_dir is None:
            return None
        path = private_dir(self.log_dir) / f"{name}.log"
        # A restart appends: the log of the crash it follows is what the operator needs.
        flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if append else os.O_TRUNC)
        fd = os.open(path, flags, PRIVATE_FILE_MODE)
        os.fchmod(fd, PRIVATE_FILE_MODE)  # os.open's mode applies only to a file it creates
        return os.fdopen(fd, "ab" if append else "wb")

    def log_hint(self, name: str) -> str:
        return f" (see {self.log_dir / (name + '.log')})" if self.log_dir else ""

    def stop(self) -> None:
        """SIGTERM to every server, the last started first; SIGKILL to one that lingers."""
        running = [s for s in reversed(self.servers.values()) if s.proc is not None and s.proc.poll() is None]
        for server in running:
            assert server.proc is not None
            server.proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        for server in reversed(self.servers.values()):
            if server.proc is not None:
                try:
                    server.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    server.proc.kill()
                    server.proc.wait()
            if server.log is not None:
                server.log.close()
        self.servers.clear()
