"""The tests' one way to wait for something another thread or process does: poll a condition until it
holds or a timeout passes. Standard library only: the Rasa environment's tests import it too."""

from __future__ import annotations

import subprocess
import time
import urllib.request
from collections.abc import Callable

INTERVAL = 0.02  # seconds between looks: short next to anything a test waits for, cheap for a cheap condition


def poll(condition: Callable[[], bool], timeout: float, *, interval: float = INTERVAL) -> bool:
    """Whether ``condition()`` held within ``timeout`` seconds, looking every ``interval``. For a
    wait whose running out is an outcome, not a failure; otherwise use ``wait_until``."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)
    return True


def wait_until(
    condition: Callable[[], bool],
    timeout: float,
    what: str,
    *,
    interval: float = INTERVAL,
    died: Callable[[], str | None] | None = None,
) -> None:
    """Return once ``condition()`` holds; fail the test after ``timeout`` seconds. ``died`` says why
    what the test waits on can no longer come (a process that exited), or None: the wait then fails
    at once with that reason instead of running out its time. It is called between looks, so it may
    also do the looking after that a test would otherwise do in its own loop."""

    def done() -> bool:
        if condition():
            return True
        reason = died() if died is not None else None
        if reason is not None:
            raise AssertionError(f"{reason} while waiting for {what}")
        return False

    if not poll(done, timeout, interval=interval):
        raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


def exited(proc: subprocess.Popen[bytes], name: str) -> Callable[[], str | None]:
    """For ``wait_until(died=...)``: "<name> exited (<code>)" once ``proc`` has ended."""
    return lambda: None if proc.poll() is None else f"{name} exited ({proc.returncode})"


def answers(url: str) -> bool:
    """Whether ``url`` answers 200 now (a server's health check): False while it is not up yet."""
    try:
        with urllib.request.urlopen(url, timeout=2) as reply:
            return int(reply.status) == 200
    except (OSError, ValueError):  # refused, reset, timed out, or an error status (URLError is an OSError)
        return False
