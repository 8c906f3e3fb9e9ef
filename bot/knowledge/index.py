"""Build, save and load the FAISS index of articles.

Each published article contributes several vectors (its title, each question, the opening of
its body); a search scores an article by its best vector. A build is written to its own
directory and then made current by atomically replacing the ``current`` symlink, so a reader
never sees half an index. Embeddings are cached by content hash, so a rebuild only embeds
text that changed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from bot.knowledge.articles import Article, Escalation
from bot.knowledge.embedding import Embedder
from bot.knowledge.errors import IndexNotBuiltError

INDEX_FORMAT = 1
BODY_OPENING_CHARS = 600
KEEP_OLD_BUILDS = 2
CURRENT = "current"
CACHE_FILE = "embedding-cache.npz"


def texts_for(article: Article) -> list[str]:
    """The texts embedded for one article: what a user's question is compared against."""
    opening = article.body[:BODY_OPENING_CHARS]
    return [article.title, *article.questions, f"{article.title}. {opening}"]


class EmbeddingCache:
    """Vectors keyed by sha256(model name, text); stored next to the builds."""

    def __init__(self, path: Path, model_name: str) -> None:
        self.path, self.model_name = path, model_name
        self._vectors: dict[str, np.ndarray] = {}
        if path.exists():
            with np.load(path) as data:
                self._vectors = dict(zip(data["keys"].tolist(), data["vectors"], strict=True))

    def key(self, text: str) -> str:
        return hashlib.sha256(f"{self.model_name}\0{text}".encode()).hexdigest()

    def encode(self, texts: list[str], embedder: Embedder) -> tuple[np.ndarray, int]:
        """Vectors for ``texts``, embedding only the missing ones; returns (vectors, embedded)."""
        keys = [self.key(t) for t in texts]
        missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in self._vectors}.items())
        if missing:
            fresh = embedder.encode([t for _, t in missing])
            self._vectors.update(zip([k for k, _ in missing], fresh, strict=True))
        vectors = np.stack([self._vectors[k] for k in keys]) if keys else np.zeros((0, embedder.dimension))
        return vectors.astype(np.float32), len(missing)

    def save(self, keep: set[str] | None = None) -> None:
        items = [(k, v) for k, v in self._vectors.items() if keep is None or k in keep]
        tmp = self.path.with_suffix(".tmp.npz")
        np.savez(tmp, keys=np.array([k for k, _ in items]), vectors=np.array([v for _, v in items]))
        os.replace(tmp, self.path)


def _article_to_json(article: Article) -> dict[str, Any]:
    data = asdict(article)
    data["review_by"] = article.review_by.isoformat()
    return data


def _article_from_json(data: dict[str, Any]) -> Article:
    escalation = data.get("escalation")
    return Article(
        id=data["id"],
        title=data["title"],
        category=data["category"],
        questions=tuple(data["questions"]),
        audience=None if data["audience"] is None else tuple(data["audience"]),
        owner=data["owner"],
        review_by=dt.date.fromisoformat(data["review_by"]),
        status=data["status"],
        body=data["body"],
        escalation=Escalation(**escalation) if escalation else None,
    )


def build_index(articles: list[Article], embedder: Embedder, index_root: Path) -> Path:
    """Embed the published articles, save a new build and make it current; returns its path."""
    published = [a for a in articles if a.published]
    texts: list[str] = []
    owners: list[int] = []
    for number, article in enumerate(published):
        for text in texts_for(article):
            texts.append(text)
            owners.append(number)

    (index_root / "builds").mkdir(parents=True, exist_ok=True)
    cache = EmbeddingCache(index_root / CACHE_FILE, embedder.model_name)
    vectors, embedded = cache.encode(texts, embedder)
    cache.save(keep={cache.key(t) for t in texts})

    started = time.time()
    build = index_root / "builds" / f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{time.time_ns() % 10**6}"
    build.mkdir()
    index = faiss.IndexFlatIP(embedder.dimension)
    index.add(vectors)
    faiss.write_index(index, str(build / "vectors.faiss"))
    np.save(build / "owners.npy", np.array(owners, dtype=np.int64))
    (build / "articles.json").write_text(json.dumps([_article_to_json(a) for a in published], indent=1))
    config = {
        "format": INDEX_FORMAT,
        "model": embedder.model_name,
        "dimension": embedder.dimension,
        "built_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "article_count": len(published),
        "vector_count": len(texts),
        "embedded_this_build": embedded,
        "faiss_version": faiss.__version__,
        "numpy_version": np.__version__,
        "build_seconds": round(time.time() - started, 3),
    }
    (build / "config.json").write_text(json.dumps(config, indent=2))
    _make_current(index_root, build)
    _prune(index_root, build)
    return build


def _make_current(index_root: Path, build: Path) -> None:
    link = index_root / CURRENT
    tmp = index_root / f".{CURRENT}.{os.getpid()}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(build.relative_to(index_root))
    os.replace(tmp, link)


def _prune(index_root: Path, keep: Path) -> None:
    builds = sorted((p for p in (index_root / "builds").iterdir() if p != keep), key=lambda p: p.name)
    for old in builds[:-KEEP_OLD_BUILDS] if KEEP_OLD_BUILDS else builds:
        shutil.rmtree(old, ignore_errors=True)


def current_build(index_root: Path) -> Path:
    """The build directory the ``current`` link points at; IndexNotBuiltError if there is none."""
    link = index_root / CURRENT
    if not link.is_symlink() or not link.resolve().is_dir():
        raise IndexNotBuiltError(f"no index at {link}: run 'python -m bot.knowledge build' (or 'make index')")
    return link.resolve()


class ArticleIndex:
    """A loaded, read-only build: search it with a query vector."""

    def __init__(self, build: Path) -> None:
        self.build = build
        self.config: dict[str, Any] = json.loads((build / "config.json").read_text())
        self.articles = [_article_from_json(d) for d in json.loads((build / "articles.json").read_text())]
        self.by_id = {a.id: a for a in self.articles}
        self._owners = np.load(build / "owners.npy")
        self._faiss = faiss.read_index(str(build / "vectors.faiss"))

    @classmethod
    def load_current(cls, index_root: Path) -> ArticleIndex:
        return cls(current_build(index_root))

    def search(self, vector: np.ndarray, tenant: str | None, k: int) -> list[tuple[str, float]]:
        """Best ``k`` articles visible to ``tenant`` as (id, score), an article scored by its best vector."""
        total = self._faiss.ntotal
        if total == 0:
            return []
        scores, rows = self._faiss.search(vector.reshape(1, -1).astype(np.float32), total)
        ranked: list[tuple[str, float]] = []
        seen: set[int] = set()
        for score, row in zip(scores[0], rows[0], strict=True):
            if row < 0:
                continue
            owner = int(self._owners[row])
            if owner in seen:
                continue
            seen.add(owner)
            article = self.articles[owner]
            if article.visible_to(tenant):
                ranked.append((article.id, float(score)))
                if len(ranked) == k:
                    break
        return ranked
