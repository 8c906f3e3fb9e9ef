"""What is embedded for an article: the texts a user's question is compared against."""

from __future__ import annotations

import numpy as np

from bot.knowledge.articles import Article
from bot.knowledge.cache import EmbeddingCache
from bot.knowledge.embedding import Embedder

BODY_OPENING_CHARS = 600


def texts_for(article: Article) -> list[str]:
    """The texts embedded for one article: its title, each question, and the opening of its body."""
    texts = [article.title, *article.questions]
    if article.body.strip():
        texts.append(f"{article.title}. {article.body[:BODY_OPENING_CHARS]}")
    return [t for t in texts if t.strip()]


def content_vectors(articles: list[Article], embedder: Embedder, cache: EmbeddingCache) -> np.ndarray:
    """One unit vector per article, the mean of its texts' vectors: what the article is about."""
    per_article = [texts_for(a) for a in articles]
    vectors, _ = cache.encode([t for texts in per_article for t in texts], embedder)  # one batch for all
    rows, start = [], 0
    for texts in per_article:
        mean = vectors[start : start + len(texts)].mean(axis=0)
        rows.append(mean / max(float(np.linalg.norm(mean)), 1e-12))
        start += len(texts)
    return np.array(rows, dtype=np.float32).reshape(len(articles), embedder.dimension)
