"""Published articles for the read-only article pages, and the URL of "the full article".

The knowledge base's current build (under ``ASKIT_INDEX_DIR``, default ``knowledge_base/index``) is
the source, read through ``bot.knowledge.layout``, which owns the build's files and needs neither
FAISS nor a model. A rebuild makes a new build current, so the articles are read again whenever the
current build changes, and an editor's change shows without a restart.
Only articles for every partner (no ``audience`` list) are served: the pages are not signed in,
and a partner's own article is for its staff, who get it in the chat.

    ASKIT_ARTICLE_URL  a template such as https://intranet.example/it/kb/{id}, for councils that
                       publish the articles elsewhere (then every link points there)
    ASKIT_PUBLIC_URL   this server's address as browsers reach it, e.g. https://askit.example
                       (default: the address the browser used)
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TypedDict

from bot.channels.errors import ChannelConfigError
from bot.config import URL, Setting, kind, read_settings
from bot.knowledge.articles import Article
from bot.knowledge.errors import KnowledgeError
from bot.knowledge.ids import is_article_id
from bot.knowledge.layout import current_build, read_articles
from bot.paths import INDEX_DIR

logger = logging.getLogger(__name__)

ARTICLE_URL_SETTING = "ASKIT_ARTICLE_URL"
PUBLIC_URL_SETTING = "ASKIT_PUBLIC_URL"
INDEX_DIR_SETTING = "ASKIT_INDEX_DIR"
ARTICLES_PATH = "/webhooks/webchat/articles/"
ID_PLACEHOLDER = "{id}"
_HTTP_URL = re.compile(r"^https?://[^\s/?#]+")


def _is_template(value: Any) -> bool:
    try:
        URL.check(str(value).replace(ID_PLACEHOLDER, "x"))
    except ValueError:
        return False
    return ID_PLACEHOLDER in str(value)


ARTICLE_URL_TEMPLATE = kind(f"an http(s) URL containing {ID_PLACEHOLDER}", _is_template)
# Where links to articles point; declared here, checked with the other channel settings when Rasa
# makes the channels (bot/channels/settings.py), and read through these declarations.
LINK_SETTINGS = (
    Setting(PUBLIC_URL_SETTING, URL, "the server's address as staff reach it (behind a proxy), for article links"),
    Setting(ARTICLE_URL_SETTING, ARTICLE_URL_TEMPLATE, "where article pages are, if not on this server"),
)


class PublicArticle(TypedDict):
    id: str
    title: str
    category: str
    body: str


def article_url_template(base_url: str, env: Mapping[str, str] = os.environ) -> str:
    """Where any article's page is, with ``{id}`` in place of its id; ChannelConfigError (a
    ValueError) names a malformed setting."""
    links = read_settings(env, LINK_SETTINGS, ChannelConfigError)
    template: str | None = links[ARTICLE_URL_SETTING]
    if template:
        return template
    base = links[PUBLIC_URL_SETTING] or base_url
    return f"{base.rstrip('/')}{ARTICLES_PATH}{ID_PLACEHOLDER}"


def article_url(article_id: str, base_url: str, env: Mapping[str, str] = os.environ) -> str:
    """The full article's address: ``ASKIT_ARTICLE_URL`` filled in, else this server's article page
    under ``ASKIT_PUBLIC_URL`` (or ``base_url``, the address the request came to)."""
    if not is_article_id(article_id):
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
        if not is_article_id(article_id):
            return None
        return self._current().get(article_id)

    def _current(self) -> dict[str, PublicArticle]:
        with self._lock:
            try:
                build = current_build(self.index_root)
                if build != self._build:
                    self._articles, self._build = _public(read_articles(build)), build
                    self._warned = False
            except KnowledgeError as exc:
                if not self._warned:  # once: a server without an index logs it, not every request
                    logger.warning("no article pages: %s", exc)
                    self._warned = True
            return self._articles


def _public(articles: Iterable[Article]) -> dict[str, PublicArticle]:
    return {
        a.id: PublicArticle(id=a.id, title=a.title, category=a.category, body=a.body)
        for a in articles
        if a.published and a.audience is None and is_article_id(a.id)
    }
