"""`make run`'s launcher as an operator meets it: the URL it prints, a clean stop, a busy port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from bot.launcher import HOST, ROOT, free_port, port_free

READY_MARK = "AskIT is running."
START_TIMEOUT = 300


def test_a_port_in_use_stops_the_start_with_its_name() -> None:
    with socket.socket() as busy:
        busy.bind((HOST, free_port()))
        busy.listen()
        port = busy.getsockname()[1]
        out = subprocess.run(
            [sys.executable, "-m", "bot.launcher", "--rasa-port", str(port), "--action-port", str(free_port())],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert out.returncode == 1
    assert f"port {port} (RASA_PORT) is already in use" in out.stderr


def test_it_prints_the_chat_url_and_sigterm_stops_both_servers(tmp_path: Path) -> None:
    rasa_port, action_port = free_port(), free_port()
    env = {
        **os.environ,
        "TRACKER_SQLITE_PATH": str(tmp_path / "tracker.db"),
        "ASKIT_LOCAL_DESK_DB": str(tmp_path / "desk.sqlite"),
        "TRACKER_DB_URL": "",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.launcher", "--rasa-port", str(rasa_port), "--action-port", str(action_port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + START_TIMEOUT
    try:
        while time.monotonic() < deadline and READY_MARK not in "".join(lines[-3:]):
            line = proc.stdout.readline()
            if not line and proc.poll() is not None:
                break
            lines.append(line)
        assert READY_MARK in "".join(lines), "".join(lines[-30:])
        url_line = proc.stdout.readline()
        assert f"http://127.0.0.1:{rasa_port}/webhooks/webchat/" in url_line
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
    assert port_free(rasa_port) and port_free(action_port)


def test_a_second_run_does_not_retrain() -> None:
    # make test trains first; afterwards nothing Rasa reads has changed, so make has nothing to do.
    assert subprocess.run(["make", "-q", "models/current.tar.gz"], cwd=ROOT).returncode == 0
