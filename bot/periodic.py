"""A job the action server runs now and then in a daemon thread: every ``every`` seconds, or at once
when nudged. An error is logged and the loop lives on (a database that is locked for a moment, a
desk that is down): the job's own records say what is still to do, so nothing is lost."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

logger = logging.getLogger(__name__)


class Periodic:
    def __init__(self, name: str, step: Callable[[], object], every: float) -> None:
        self.name, self.step, self.every = name, step, every
        self._wake, self._stop = threading.Event(), threading.Event()
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        return f"Periodic({self.name!r}, every={self.every:g})"

    @property
    def stopping(self) -> bool:
        """``stop`` was called: a long step may end early."""
        return self._stop.is_set()

    def nudge(self) -> None:
        """Something is waiting: run now rather than at the next tick."""
        self._wake.set()

    def run(self) -> None:
        while not self._stop.is_set():
            try:
                self.step()
            except Exception:
                logger.exception("%s failed; trying again in %g s", self.name, self.every)
            self._wake.wait(self.every)
            self._wake.clear()

    def start(self) -> Periodic:
        self._thread = threading.Thread(target=self.run, name=self.name, daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout)
