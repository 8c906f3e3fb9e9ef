"""A real PostgreSQL server for tests, started on loopback in a temporary folder (Debian's
``postgresql`` package: ``make system-deps``)."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from bot.launcher import HOST, free_port
from tests.waiting import exited, wait_until

PG_USER = "postgres"
START_TIMEOUT = 30.0


def pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise FileNotFoundError(f"PostgreSQL's {name} not found: run 'make system-deps' (Debian package postgresql)")
    return found[-1]


def _as_postgres(command: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; CI runs as root, developers usually do not.
    return ["runuser", "-u", PG_USER, "--", *command] if os.geteuid() == 0 else command


class PostgresServer:
    def __init__(self) -> None:
        self.work = Path(tempfile.mkdtemp(prefix="askit-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.work, PG_USER)
        self.port = free_port()
        data = self.work / "data"
        subprocess.run(
            _as_postgres([pg_bin("initdb"), "-D", str(data), "-U", PG_USER, "--auth=trust"]),
            check=True,
            capture_output=True,
        )
        self.process = subprocess.Popen(
            _as_postgres([pg_bin("postgres"), "-D", str(data), "-p", str(self.port), "-h", HOST, "-k", str(self.work)]),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        ready = [pg_bin("pg_isready"), "-h", HOST, "-p", str(self.port)]
        try:
            wait_until(
                lambda: subprocess.run(ready, capture_output=True).returncode == 0,
                START_TIMEOUT,
                f"PostgreSQL to start on {HOST}:{self.port}",
                interval=0.2,  # each look runs pg_isready
                died=exited(self.process, "postgres"),
            )
        except BaseException:
            self.stop()
            raise

    def create_database(self, name: str) -> str:
        """A new, empty database; its URL."""
        subprocess.run(
            [pg_bin("createdb"), "-h", HOST, "-p", str(self.port), "-U", PG_USER, name], check=True, capture_output=True
        )
        return f"postgresql://{PG_USER}@{HOST}:{self.port}/{name}"

    def query(self, database: str, sql: str) -> str:
        command = [pg_bin("psql"), "-h", HOST, "-p", str(self.port), "-U", PG_USER, "-d", database, "-tAc", sql]
        return subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        shutil.rmtree(self.work, ignore_errors=True)
