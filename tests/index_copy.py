"""A copy of a built index for a test: its builds, its ``current`` link and its embedding cache,
without the build lock, so a test reads (or rebuilds) it as the live one would be, and the live
one is never touched."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.knowledge.layout import LOCK_FILE


def copy_index(source: Path, dest: Path) -> Path:
    """Copy the index folder ``source`` (a link to one is followed) to ``dest``; returns ``dest``."""
    shutil.copytree(source, dest, symlinks=True, ignore=shutil.ignore_patterns(LOCK_FILE))
    return dest
