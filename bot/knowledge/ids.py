"""The grammar of an article id: lowercase words joined by single hyphens, e.g. ``vpn-connect``.

The one definition in Python. It is light (``re`` only) because the Rasa server's article pages
check ids with it too. ``bot/web/markdown.js`` keeps a copy, tested against this one.
"""

from __future__ import annotations

import re

ARTICLE_ID_PATTERN = r"[a-z0-9]+(?:-[a-z0-9]+)*"
ARTICLE_ID = re.compile(ARTICLE_ID_PATTERN)


def is_article_id(text: str) -> bool:
    """True if all of ``text`` is an article id (``fullmatch``: a trailing newline is not allowed)."""
    return ARTICLE_ID.fullmatch(text) is not None
