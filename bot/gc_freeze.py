"""Keep what a server loads at start out of Python's full garbage collections (both servers).

A full collection walks every object that can hold a reference. With Rasa's model loaded that is
some 600,000 objects, with the action server's encoder and index some 470,000: 270 ms and 180 ms in
which that server answers nothing (issue 15, docs/benchmarks.md). Those objects live as long as
the process, so once a server has loaded them it moves them to the collector's permanent
generation (``gc.freeze``), and full collections walk only what turns make. A frozen object is
still freed when nothing refers to it (an index build replaced later, say); only a reference cycle
among frozen objects would stay, once.

Standard library only: bot/rasa_server.py is imported where Rasa is not installed.
"""

from __future__ import annotations

import gc
import logging
from typing import Any

logger = logging.getLogger(__name__)


async def freeze_what_is_loaded(_app: Any, _loop: Any) -> None:
    """A Sanic ``after_server_start`` listener: everything loaded before the server started (Rasa
    loads its model in a ``before_server_start`` one) joins the permanent generation."""
    gc.freeze()
    logger.info("started: %d objects kept out of full garbage collections", gc.get_freeze_count())
