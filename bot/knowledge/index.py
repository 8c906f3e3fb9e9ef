"""Build, save and load the FAISS index of articles.

Each published article contributes several vectors (its title, each question, the opening of
its body); a search scores an article by its best vector. A build is written to its own
directory and then made current by atomically replacing the ``current`` symlink, so a reader
never sees half an index. Embeddings are cached by content hash, so a rebuild only embeds
text that changed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import platform
import shutil
import time
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from bot.knowledge.articles import Article, Escalation
from bot.knowledge.config import IndexSettings
from bot.knowledge.embedding import Embedder
from bot.knowledge.errors import ArticleError, IndexNotBuiltError, KnowledgeError
from bot.knowledge.lexical import LexicalIndex
from bot.knowledge.validate import near_duplicates

INDEX_FORMAT = 3
DEFAULT_SETTINGS = IndexSettings()
SLOT_BITS = 8  # up to 256 vectors per article
HNSW_BUILD_DEPTH = 80  # efConstruction
PROGRESS_FROM = 256  # texts to embed before a build shows a progress bar
FIRST_FETCH = 64  # vectors fetched per search before widening
VECTORS_PER_ARTICLE = 10  # typical: title, eight questions, body opening
BODY_OPENING_CHARS = 600
KEEP_OLD_BUILDS = 2
CURRENT = "current"
CACHE_FILE = "embedding-cache.npz"


def texts_for(article: Article) -> list[str]:
    """The texts embedded for one article: what a user's question is compared against."""
    texts = [article.title, *article.questions]
    if article.body.strip():
        texts.append(f"{article.title}. {article.body[:BODY_OPENING_CHARS]}")
    return [t for t in texts if t.strip()]


class EmbeddingCache:
    """Vectors keyed by sha256(model hash, text); stored next to the builds."""

    def __init__(self, path: Path, embedder: Embedder) -> None:
        self.path, self.model_hash = path, embedder.model_hash
        self._vectors: dict[str, np.ndarray] = {}
        if path.exists():
            with np.load(path) as data:
                self._vectors = dict(zip(data["keys"].tolist(), data["vectors"], strict=True))

    def key(self, text: str) -> str:
        return hashlib.sha256(f"{self.model_hash}\0{text}".encode()).hexdigest()

    def encode(self, texts: list[str], embedder: Embedder, progress: bool = False) -> tuple[np.ndarray, int]:
        """Vectors for ``texts``, embedding only the missing ones; returns (vectors, embedded)."""
        keys = [self.key(t) for t in texts]
        missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in self._vectors}.items())
        if missing:
            fresh = embedder.encode([t for _, t in missing], progress=progress and len(missing) >= PROGRESS_FROM)
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
        source=data.get("source", ""),
    )


def article_key(article_id: str) -> int:
    """A stable 55-bit number for an article id; its vectors get ids ``key << 8 | slot``."""
    return int.from_bytes(hashlib.blake2b(article_id.encode(), digest_size=7).digest(), "big") >> 1


def _vector_ids(article: Article, count: int) -> list[int]:
    key = article_key(article.id)
    return [key << SLOT_BITS | slot for slot in range(count)]


@contextlib.contextmanager
def _build_lock(index_root: Path) -> Iterator[None]:
    """One build at a time per index folder (the command line and the action server's watcher)."""
    index_root.mkdir(parents=True, exist_ok=True)
    with (index_root / ".build.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def new_faiss_index(dimension: int, vector_count: int, settings: IndexSettings) -> Any:
    """Exact inner-product search up to ``approximate_above`` vectors, HNSW above; ids kept beside."""
    inner: Any
    if vector_count <= settings.approximate_above:
        inner = faiss.IndexFlatIP(dimension)
    else:
        inner = faiss.IndexHNSWFlat(dimension, settings.hnsw_neighbours, faiss.METRIC_INNER_PRODUCT)
        inner.hnsw.efConstruction = HNSW_BUILD_DEPTH
        inner.hnsw.efSearch = settings.hnsw_search_depth
    return faiss.IndexIDMap2(inner)


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


def build_index(
    articles: list[Article],
    embedder: Embedder,
    index_root: Path,
    settings: IndexSettings = DEFAULT_SETTINGS,
    near_duplicate: float | None = None,
    progress: bool = False,
) -> Path:
    """Embed the published articles, save a new build and make it current; returns its path.

    With ``near_duplicate``, raises ArticleError (and changes nothing) if two published articles
    are at least that alike.
    """
    published = [a for a in articles if a.published]
    texts: list[str] = []
    ids: list[int] = []
    for article in published:
        article_texts = texts_for(article)[: 1 << SLOT_BITS]
        texts.extend(article_texts)
        ids.extend(_vector_ids(article, len(article_texts)))
    if len(set(ids)) != len(ids):
        raise KnowledgeError("two article ids hash to the same key; rename one of them")

    with _build_lock(index_root):
        started = time.perf_counter()
        (index_root / "builds").mkdir(parents=True, exist_ok=True)
        cache = EmbeddingCache(index_root / CACHE_FILE, embedder)
        vectors, embedded = cache.encode(texts, embedder, progress=progress)
        if near_duplicate is not None:
            problems = near_duplicates(published, content_vectors(published, embedder, cache), near_duplicate)
            if problems:
                raise ArticleError(problems)
        cache.save(keep={cache.key(t) for t in texts})

        build = index_root / "builds" / f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{time.time_ns() % 10**6}"
        build.mkdir()
        index = new_faiss_index(embedder.dimension, len(texts), settings)
        if texts:
            index.add_with_ids(vectors, np.array(ids, dtype=np.int64))
        faiss.write_index(index, str(build / "vectors.faiss"))
        LexicalIndex.build(published).save(build)
        (build / "articles.json").write_text(json.dumps([_article_to_json(a) for a in published], indent=1))
        config = {
            "format": INDEX_FORMAT,
            "model": embedder.model_name,
            "model_hash": embedder.model_hash,
            "dimension": embedder.dimension,
            "kind": "hnsw" if len(texts) > settings.approximate_above else "exact",
            "built_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "article_count": len(published),
            "vector_count": len(texts),
            "embedded_this_build": embedded,
            "build_seconds": round(time.perf_counter() - started, 3),
            "versions": {"faiss": faiss.__version__, "numpy": np.__version__, "python": platform.python_version()},
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
        if self.config.get("format") != INDEX_FORMAT:
            raise IndexNotBuiltError(f"{build} was built by another version: run 'python -m bot.knowledge build'")
        self.articles = [_article_from_json(d) for d in json.loads((build / "articles.json").read_text())]
        self.by_id = {a.id: a for a in self.articles}
        self._by_key = {article_key(a.id): a for a in self.articles}
        self.row = {a.id: row for row, a in enumerate(self.articles)}
        self.lexical = LexicalIndex.load(build, len(self.articles))
        self._faiss: Any = faiss.read_index(str(build / "vectors.faiss"))

    @classmethod
    def load_current(cls, index_root: Path) -> ArticleIndex:
        return cls(current_build(index_root))

    def search(self, vector: np.ndarray, tenant: str | None, k: int) -> list[tuple[str, float]]:
        """Best ``k`` articles visible to ``tenant`` as (id, score), an article scored by its best vector.

        Fetches the nearest vectors and widens the fetch until ``k`` visible articles are found
        (an article has several vectors, and other tenants' articles are skipped).
        """
        total = self._faiss.ntotal
        query = vector.reshape(1, -1).astype(np.float32)
        fetch = min(total, max(FIRST_FETCH, VECTORS_PER_ARTICLE * k))
        while True:
            ranked = self._collect(query, fetch, tenant, k)
            if len(ranked) == k or fetch >= total:
                return ranked
            fetch = min(total, fetch * 4)

    def _collect(self, query: np.ndarray, fetch: int, tenant: str | None, k: int) -> list[tuple[str, float]]:
        if fetch == 0:
            return []
        params = None
        if self.config["kind"] == "hnsw":  # look at no fewer candidates than results wanted
            hnsw: Any = faiss.downcast_index(self._faiss.index)
            params = faiss.SearchParametersHNSW(efSearch=max(fetch, hnsw.hnsw.efSearch))  # type: ignore[attr-defined]
        scores, ids = self._faiss.search(query, fetch, params=params)
        ranked: list[tuple[str, float]] = []
        seen: set[int] = set()
        for score, vector_id in zip(scores[0], ids[0], strict=True):
            if vector_id < 0:  # fewer results than asked for
                continue
            key = int(vector_id) >> SLOT_BITS
            if key in seen:
                continue
            seen.add(key)
            article = self._by_key[key]
            if article.visible_to(tenant):
                ranked.append((article.id, float(score)))
                if len(ranked) == k:
                    break
        return ranked
