from __future__ import annotations

import socket
import subprocess
import sys

from bot.launcher import HOST, ROOT, free_port


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
