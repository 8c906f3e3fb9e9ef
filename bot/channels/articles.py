"""Published articles for the read-only article pages, and the URL of "the full article".

The knowledge base's index (``<ASKIT_INDEX_DIR or knowledge_base/index>/current/articles.json``)
is the source: ``current`` is a symlink swapped atomically on every rebuild, so the file is read
again whenever the link points somewhere new, and an editor's change shows without a restart.
Only articles for every partner (no ``audience`` list) are served: the pages are not signed in,
and a partner's own article is for its staff, who get it in the chat.

    ASKIT_ARTICLE_URL  a template such as https://intranet.example/it/kb/{id}, for councils that
                       publish the articles elsewhere (then every link points there)
    ASKIT_PUBLIC_URL   this server's address as browsers reach it, e.g. https://askit.example
                       (default: the address the browser used)
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypedDict

from bot.paths import INDEX_DIR

logger = logging.getLogger(__name__)

ARTICLE_URL_SETTING = "ASKIT_ARTICLE_URL"
PUBLIC_URL_SETTING = "ASKIT_PUBLIC_URL"
INDEX_DIR_SETTING = "ASKIT_INDEX_DIR"
ARTICLES_PATH = "/webhooks/webchat/articles/"
ID_PLACEHOLDER = "{id}"
ARTICLE_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_HTTP_URL = re.compile(r"^https?://[^\s/?#]+")


class PublicArticle(TypedDict):
    id: str
    title: str
    category: str
    body: str


def article_url_template(base_url: str, env: Mapping[str, str] = os.environ) -> str:
    """Where any article's page is, with ``{id}`` in place of its id."""
    template = env.get(ARTICLE_URL_SETTING, "").strip()
    if template:
        if ID_PLACEHOLDER not in template or not _HTTP_URL.match(template):
            raise ValueError(f"{ARTICLE_URL_SETTING} must be an http(s) URL containing {ID_PLACEHOLDER}")
        return template
    base = env.get(PUBLIC_URL_SETTING, "").strip() or base_url
    if base and not _HTTP_URL.match(base):
        raise ValueError(f"{PUBLIC_URL_SETTING} must be an http(s) URL such as https://askit.example")
    return f"{base.rstrip('/')}{ARTICLES_PATH}{ID_PLACEHOLDER}"


def article_url(article_id: str, base_url: str, env: Mapping[str, str] = os.environ) -> str:
    """The full article's address: ``ASKIT_ARTICLE_URL`` filled in, else this server's article page
    under ``ASKIT_PUBLIC_URL`` (or ``base_url``, the address the request came to)."""
    if not ARTICLE_ID.fullmatch(article_id):
        raise ValueError(f"not an article id: {article_id[:80]!r}")
    return article_url_template(base_url, env).replace(ID_PLACEHOLDER, article_id)


def full_article_url(
    article_id: str, base_url: str, articles: PublishedArticles, env: Mapping[str, str] = os.environ
) -> str | None:
    """The "full article" link for an answer, or None when there is no page to link to: always the
    council's own site when it publishes the articles (ASKIT_ARTICLE_URL), else only articles this
    server shows, and only with an absolute address (a relative link would resolve against the
    page the chat is embedded in)."""
    if not (env.get(ARTICLE_URL_SETTING, "").strip() or articles.get(article_id) is not None):
        return None
    url = article_url(article_id, base_url, env)
    return url if _HTTP_URL.match(url) else None


def request_base_url(request: Any) -> str:
    """The address a Sanic request came to (``scheme://host``): links fall back on it when
    ``ASKIT_PUBLIC_URL`` is not set (``article_url_template`` prefers the setting)."""
    return f"{request.scheme}://{request.host}"


def index_dir(env: Mapping[str, str] = os.environ) -> Path:
    return Path(env.get(INDEX_DIR_SETTING, "").strip() or INDEX_DIR)


class PublishedArticles:
    """The current build's published, partner-wide articles, re-read when the build changes."""

    def __init__(self, index_root: Path) -> None:
        self.index_root = index_root
        self._lock = threading.Lock()
        self._build: Path | None = None
        self._articles: dict[str, PublicArticle] = {}
        self._warned = False

    def get(self, article_id: str) -> PublicArticle | None:
        if not ARTICLE_ID.fullmatch(article_id):
            return None
        return self._current().get(article_id)

    def _current(self) -> dict[str, PublicArticle]:
        build = (self.index_root / "current").resolve()
        with self._lock:
            if build != self._build:
                try:
                    raw = json.loads((build / "articles.json").read_text(encoding="utf-8"))
                except (OSError, ValueError) as exc:
                    if not self._warned:  # once: a server without an index logs it, not every request
                        logger.warning("no article pages: cannot read %s/articles.json: %s", build, exc)
                        self._warned = True
                    return self._articles
                self._articles, self._build, self._warned = _public(raw), build, False
            return self._articles


def _public(raw: Any) -> dict[str, PublicArticle]:
    articles: dict[str, PublicArticle] = {}
    for item in raw if isinstance(raw, list) else []:
        if not isinstance(item, dict) or item.get("status") != "published" or item.get("audience"):
            continue
        fields = [item.get(k) for k in ("id", "title", "category", "body")]
        texts = [f for f in fields if isinstance(f, str)]
        if len(texts) == len(fields) and ARTICLE_ID.fullmatch(texts[0]):
            articles[texts[0]] = PublicArticle(id=texts[0], title=texts[1], category=texts[2], body=texts[3])
    return articles
