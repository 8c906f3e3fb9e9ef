"""A real RabbitMQ node for tests, started on loopback in a temporary folder (Debian's
``rabbitmq-server`` package: ``make system-deps``), with its own Erlang port mapper so it neither
meets nor leaves behind another node. A user ``askit`` with a password, as an organisation's would be."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from bot.launcher import HOST, free_port
from tests.waiting import exited, wait_until

SERVER = Path("/usr/lib/rabbitmq/bin/rabbitmq-server")
START_TIMEOUT = 60.0
USER, PASSWORD = "askit", "rabbit-pass-not-logged"


def _listening(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=1.0):
            return True
    except OSError:
        return False


class RabbitMQServer:
    def __init__(self) -> None:
        if not SERVER.exists():
            raise FileNotFoundError(f"{SERVER} not found: run 'make system-deps' (Debian package rabbitmq-server)")
        self.work = Path(tempfile.mkdtemp(prefix="askit-rabbitmq-"))
        self.port, dist, self.epmd = free_port(), free_port(), free_port()
        (self.work / "rabbitmq.conf").write_text(
            f"listeners.tcp.default = {HOST}:{self.port}\n"
            f"default_user = {USER}\ndefault_pass = {PASSWORD}\n"
            "loopback_users = none\n"
        )
        (self.work / "enabled_plugins").write_text("[].\n")
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.work),  # the Erlang cookie goes here
            "RABBITMQ_NODENAME": f"askit{self.port}@localhost",
            "RABBITMQ_CONFIG_FILE": str(self.work / "rabbitmq.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.work / "enabled_plugins"),
            "RABBITMQ_MNESIA_BASE": str(self.work / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.work / "log"),
            "RABBITMQ_DIST_PORT": str(dist),
            "ERL_EPMD_ADDRESS": HOST,
            "ERL_EPMD_PORT": str(self.epmd),
        }
        self.log = open(self.work / "server.log", "ab")  # noqa: SIM115 -- closed in stop()
        self.process = self._start()

    def _start(self) -> subprocess.Popen[bytes]:
        process = subprocess.Popen([str(SERVER)], env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        try:
            wait_until(
                lambda: _listening(self.port),
                START_TIMEOUT,
                f"RabbitMQ to listen on {HOST}:{self.port} (log: {self.work / 'server.log'})",
                interval=0.1,
                died=exited(process, "rabbitmq-server"),
            )
        except BaseException:
            self.process = process
            self.stop()
            raise
        return process

    def _halt(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=30)

    def restart(self, between: Callable[[], None] = lambda: None) -> None:
        """Stop the node, call ``between`` while it is down, and start it again: durable queues and
        persistent messages survive, as on a real server's restart."""
        self._halt()
        between()
        self.process = self._start()

    def url(self, password: str = PASSWORD) -> str:
        return f"amqp://{USER}:{password}@{HOST}:{self.port}/"

    def stop(self) -> None:
        self._halt()
        # The node started its own port mapper (epmd), which outlives it: stopped by its port.
        subprocess.run(["epmd", "-port", str(self.epmd), "-kill"], env=self.env, capture_output=True, check=False)
        self.log.close()
        shutil.rmtree(self.work, ignore_errors=True)
