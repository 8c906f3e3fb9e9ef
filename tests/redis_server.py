"""A real Redis server for tests, started on loopback in a temporary folder (Debian's
``redis-server`` package: ``make system-deps``). Nothing is saved to disk."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bot.launcher import HOST, free_port
from tests.waiting import exited, wait_until

START_TIMEOUT = 15.0


def _answers_ping(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=1.0) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise FileNotFoundError("redis-server not found: run 'make system-deps' (Debian package redis-server)")
        self.work = Path(tempfile.mkdtemp(prefix="askit-redis-"))
        self.port = free_port()
        command = [binary, "--bind", HOST, "--port", str(self.port), "--dir", str(self.work)]
        command += ["--save", "", "--appendonly", "no", "--protected-mode", "yes"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_until(
                lambda: _answers_ping(self.port),
                START_TIMEOUT,
                f"Redis to start on {HOST}:{self.port}",
                interval=0.05,
                died=exited(self.process, "redis-server"),
            )
        except BaseException:
            self.stop()
            raise

    def url(self, db: int = 0) -> str:
        return f"redis://{HOST}:{self.port}/{db}"

    @contextlib.contextmanager
    def inspected(self, db: int) -> Iterator[Any]:
        """A redis-py client on database ``db``, to read what the code under test left there; the
        database is emptied afterwards. Imported here: redis-py is in the Rasa server's environment
        (Rasa's lock store), not the action server's, which imports this module too."""
        import redis  # type: ignore[import-untyped, import-not-found, unused-ignore]  # untyped here, absent there

        red = redis.Redis(port=self.port, db=db, decode_responses=True)
        try:
            yield red
        finally:
            red.flushdb()
            red.close()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        shutil.rmtree(self.work, ignore_errors=True)
