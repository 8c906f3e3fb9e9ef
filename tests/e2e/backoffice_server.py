"""The real back office for browser tests: ``python -m bot.backoffice --dev`` (the development
sign-in) on a loopback port, with ``settings`` as its environment, until the block ends."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

from bot.launcher import HOST, free_port
from bot.paths import ROOT
from tests.waiting import answers, exited, wait_until

START_TIMEOUT = 60.0


@contextlib.contextmanager
def dev_backoffice(work: Path, settings: Mapping[str, str], port: int | None = None) -> Iterator[str]:
    """Its address, once it answers; ``port``: one chosen already (another server must know it first).
    Its log is ``work``/backoffice.log."""
    port = port or free_port()
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), "PYTHONPATH": str(ROOT), **settings}
    command = [sys.executable, "-m", "bot.backoffice", "--dev", "--host", HOST, "--port", str(port)]
    with open(work / "backoffice.log", "wb") as sink:  # a file, not a pipe: a full pipe would block it
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT)
    url = f"http://{HOST}:{port}"
    try:
        wait_until(lambda: answers(f"{url}/health"), START_TIMEOUT, "the back office", died=exited(server, "uvicorn"))
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
