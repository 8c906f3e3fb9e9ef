"""Answer a user's message from the current index: rank articles and decide what to do."""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from bot.knowledge.articles import Article
from bot.knowledge.decision import Decision, Thresholds, decide
from bot.knowledge.embedding import Embedder
from bot.knowledge.index import ArticleIndex, current_build

MAX_QUERY_CHARS = 1000  # the model reads 256 word pieces; more text only costs time
DEFAULT_TOP_K = 10
WORD = re.compile(r"\w", re.UNICODE)


@dataclass(frozen=True)
class SearchResult:
    query: str
    decision: Decision
    articles: tuple[Article, ...]  # the decision's articles, from the build that was searched
    ranked: tuple[tuple[str, float], ...]
    latency_ms: float


def normalise_query(text: str) -> str:
    return " ".join(text.split())[:MAX_QUERY_CHARS]


class KnowledgeBase:
    """Searches the current build, and switches to a newer build as soon as one is made current."""

    def __init__(self, index_dir: Path, embedder: Embedder, thresholds: Thresholds) -> None:
        self.index_dir, self.embedder, self.thresholds = index_dir, embedder, thresholds
        self._lock = threading.Lock()
        self._index = ArticleIndex.load_current(index_dir)

    @property
    def index(self) -> ArticleIndex:
        build = current_build(self.index_dir)
        if build != self._index.build:
            with self._lock:
                if build != self._index.build:
                    self._index = ArticleIndex(build)
        return self._index

    def article(self, article_id: str) -> Article | None:
        return self.index.by_id.get(article_id)

    def search(self, text: str, tenant: str | None = None, k: int = DEFAULT_TOP_K) -> SearchResult:
        started = time.perf_counter()
        query = normalise_query(text)
        index = self.index
        ranked: list[tuple[str, float]] = []
        if WORD.search(query):  # nothing to embed in an empty or emoji-only message
            ranked = index.search(self.embedder.encode([query])[0], tenant, k)
        decision = decide(ranked, self.thresholds)
        articles = tuple(index.by_id[article_id] for article_id in decision.article_ids)
        elapsed = (time.perf_counter() - started) * 1000
        return SearchResult(query, decision, articles, tuple(ranked), elapsed)
