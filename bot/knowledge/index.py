"""A loaded, read-only build of the index, searched with a query vector.

Each published article contributes several vectors (``bot/knowledge/recipe.py``); a search
scores an article by its best vector. Builds are made by ``bot/knowledge/build.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from bot.knowledge.classifier import ArticleClassifier
from bot.knowledge.layout import read_articles, read_config
from bot.knowledge.lexical import LexicalIndex
from bot.knowledge.vectors import VectorIndex, article_key, key_of

FIRST_FETCH = 64  # vectors fetched per search before widening
VECTORS_PER_ARTICLE = 10  # typical: title, eight questions, body opening


class ArticleIndex:
    """One build's articles, their vectors, their lexical index and their classifier."""

    def __init__(self, build: Path) -> None:
        self.build = build
        self.config: dict[str, Any] = read_config(build)
        self.articles = read_articles(build)
        self.by_id = {a.id: a for a in self.articles}
        self.elsewhere = frozenset(a.id for a in self.articles if a.elsewhere)
        self._by_key = {article_key(a.id): a for a in self.articles}
        self.row = {a.id: row for row, a in enumerate(self.articles)}
        self.lexical = LexicalIndex.load(build, len(self.articles))
        self.vectors = VectorIndex.load(build)
        self.classifier = ArticleClassifier.load(build)

    def search(self, vector: np.ndarray, tenant: str | None, k: int) -> list[tuple[str, float]]:
        """Best ``k`` articles visible to ``tenant`` as (id, score), an article scored by its best vector.

        Fetches the nearest vectors and widens the fetch until ``k`` visible articles are found
        (an article has several vectors, and other tenants' articles are skipped).
        """
        total = self.vectors.size
        fetch = min(total, max(FIRST_FETCH, VECTORS_PER_ARTICLE * k))
        while True:
            ranked = self._collect(vector, fetch, tenant, k)
            if len(ranked) == k or fetch >= total:
                return ranked
            fetch = min(total, fetch * 4)

    def _collect(self, vector: np.ndarray, fetch: int, tenant: str | None, k: int) -> list[tuple[str, float]]:
        ranked: list[tuple[str, float]] = []
        seen: set[int] = set()
        for vector_id, score in self.vectors.nearest(vector, fetch):
            key = key_of(vector_id)
            if key in seen:
                continue
            seen.add(key)
            article = self._by_key[key]
            if article.visible_to(tenant):
                ranked.append((article.id, score))
                if len(ranked) == k:
                    break
        return ranked
