"""A bad setting stops the Rasa server before it serves, with one line naming it and no
traceback (issue 11): the real server, as the launcher starts it, with a widget key too short to
sign with. The action server's side is in tests/test_configuration.py."""

from __future__ import annotations

import os
import secrets
import subprocess

import pytest

from bot.launcher import DEFAULT_CREDENTIALS, DEFAULT_MODEL, RASA_PYTHON, free_port
from bot.paths import ROOT

pytestmark = pytest.mark.own_stack  # starts servers of its own: the second end-to-end process

START_TIMEOUT = 180


def test_the_rasa_server_stops_before_serving_with_that_one_line_and_no_traceback() -> None:
    if not DEFAULT_MODEL.exists():  # Rasa would stop at once for want of a model, before the channels
        pytest.fail(f"no trained model at {DEFAULT_MODEL}: run the tests through 'make test'")
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "ASKIT_WIDGET_JWT_SECRET": "short",
        "ASKIT_IDENTITY_KEY": secrets.token_urlsafe(32),
        "TRACKER_DB_URL": "",
        "RASA_TELEMETRY_ENABLED": "false",
    }
    command = [
        str(RASA_PYTHON), "-m", "bot.rasa_server", "run", "--model", str(DEFAULT_MODEL), "--port", str(free_port()),
        "--interface", "127.0.0.1", "--credentials", str(DEFAULT_CREDENTIALS), "--endpoints", "endpoints.yml",
    ]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=START_TIMEOUT)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1] == (
        "rasa server cannot start: ASKIT_WIDGET_JWT_SECRET: is not valid (must be at least 32 characters)"
    )
