"""TRACKER_DB_URL moves conversations to PostgreSQL: a real server, started here on loopback."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from bot.launcher import HOST, Stack, free_port

PG_USER = "postgres"
DATABASE = "askit"


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        pytest.fail("PostgreSQL server binaries not found: run 'make system-deps' (Debian package postgresql)")
    return found[-1]


def _as_postgres(command: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; CI runs as root, developers usually do not.
    return ["runuser", "-u", PG_USER, "--", *command] if os.geteuid() == 0 else command


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    work = Path(tempfile.mkdtemp(prefix="askit-pg-"))
    if os.geteuid() == 0:
        shutil.chown(work, PG_USER)
    port = free_port()
    data = work / "data"
    subprocess.run(
        _as_postgres([_pg_bin("initdb"), "-D", str(data), "-U", PG_USER, "--auth=trust"]),
        check=True,
        capture_output=True,
    )
    server = subprocess.Popen(
        _as_postgres([_pg_bin("postgres"), "-D", str(data), "-p", str(port), "-h", HOST, "-k", str(work)]),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            ready = subprocess.run([_pg_bin("pg_isready"), "-h", HOST, "-p", str(port)], capture_output=True)
            if ready.returncode == 0:
                break
            time.sleep(0.2)
        subprocess.run([_pg_bin("createdb"), "-h", HOST, "-p", str(port), "-U", PG_USER, DATABASE], check=True)
        yield f"postgresql://{PG_USER}@{HOST}:{port}/{DATABASE}"
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


def test_conversations_are_kept_in_postgresql(postgres_url: str, tmp_path: Path) -> None:
    stack = Stack(
        rasa_port=free_port(),
        action_port=free_port(),
        log_dir=tmp_path / "logs",
        extra_env={"TRACKER_DB_URL": postgres_url, "ASKIT_LOCAL_DESK_DB": str(tmp_path / "desk.sqlite")},
    )
    sender = f"pg-{uuid.uuid4().hex[:8]}"
    stack.start()
    try:
        reply = requests.post(
            f"{stack.rasa_url}/webhooks/rest/webhook",
            json={"sender": sender, "message": "I forgot my password"},
            timeout=60,
        ).json()
    finally:
        stack.stop()
    assert {"decision": "answer", "article_id": "password-reset"} in [m.get("custom") for m in reply]
    port = postgres_url.rsplit(":", 1)[1].split("/")[0]
    rows = subprocess.run(
        [
            "psql",
            "-h",
            HOST,
            "-p",
            port,
            "-U",
            PG_USER,
            "-d",
            DATABASE,
            "-tAc",
            f"SELECT count(*) FROM events WHERE sender_id = '{sender}' AND type_name = 'user'",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    assert rows == "1"
