"""Build the index: embed the published articles, write a new build and make it current.

A build is written to its own directory and then made current by atomically replacing the
``current`` link (``bot/knowledge/layout.py``), so a reader never sees half an index. A build
records the hash of what it was made from (``source_hash``), so that a process sharing the folder
can tell that the articles it sees are already built (``built_from``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import platform
import time
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from bot.knowledge import layout
from bot.knowledge.articles import Article
from bot.knowledge.cache import EmbeddingCache
from bot.knowledge.classifier import ArticleClassifier
from bot.knowledge.config import IndexSettings
from bot.knowledge.embedding import Embedder
from bot.knowledge.errors import ArticleError, IndexNotBuiltError, KnowledgeError
from bot.knowledge.lexical import LexicalIndex
from bot.knowledge.recipe import content_vectors, texts_for
from bot.knowledge.validate import near_duplicates
from bot.knowledge.vectors import MAX_SLOTS, VectorIndex, vector_ids

DEFAULT_SETTINGS = IndexSettings()


def build_index(
    articles: list[Article],
    embedder: Embedder,
    index_root: Path,
    settings: IndexSettings = DEFAULT_SETTINGS,
    near_duplicate: float | None = None,
    progress: bool = False,
    cache: EmbeddingCache | None = None,
    source: str | None = None,
    locked: bool = False,
) -> Path:
    """Embed the published articles, save a new build and make it current; returns its path.

    With ``near_duplicate``, raises ArticleError (and changes nothing) if two published articles
    are at least that alike. With ``cache``, vectors come from (and new ones go into) that cache,
    which is not saved: a trial build (bot/studio/trial.py) seeds it from the live index's cache
    file and must leave that file alone. Without it, the index root's own cache file is used and saved.
    ``source``: what the articles were read from (``source_hash``), recorded in the build's config.
    ``locked``: the caller already holds the build lock (the watcher, which takes it without waiting).
    """
    published = [a for a in articles if a.published]
    texts, ids, labels = _texts_and_ids(published)
    with contextlib.nullcontext() if locked else layout.build_lock(index_root):
        started = time.perf_counter()
        owned = cache is None
        if cache is None:
            cache = EmbeddingCache(layout.cache_path(index_root), embedder)
        vectors, embedded = cache.encode(texts, embedder, progress=progress)
        if near_duplicate is not None:
            problems = near_duplicates(published, content_vectors(published, embedder, cache), near_duplicate)
            if problems:
                raise ArticleError(problems)
        if owned:
            cache.save(keep={cache.key(t) for t in texts})

        build = layout.new_build(index_root)
        index = VectorIndex.create(vectors, ids, embedder.dimension, settings)
        index.save(build)
        LexicalIndex.build(published).save(build)
        trained = time.perf_counter()
        ArticleClassifier.train(vectors, labels).save(build)
        training = time.perf_counter() - trained
        layout.write_articles(build, published)
        layout.write_config(build, _config(embedder, index, len(published), embedded, started, training, source))
        layout.make_current(index_root, build)
        layout.prune(index_root, build)
    return build


def source_hash(articles_dir: Path, embedder: Embedder, settings: IndexSettings = DEFAULT_SETTINGS) -> str:
    """What a build of ``articles_dir`` is made from, as one hash: each Markdown file's path and bytes,
    the model and the index settings. Every process reading the same folder gets the same hash,
    whatever its files' times; a file changed after hashing only costs one more build later."""
    digest = hashlib.sha256(f"{embedder.model_hash}\0{settings!r}\0".encode())
    for path in sorted(articles_dir.rglob("*.md")):
        try:
            data = path.read_bytes()
        except OSError:  # deleted between listing and reading: hashed as gone
            continue
        digest.update(f"{path.relative_to(articles_dir)}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


def built_from(index_root: Path) -> str | None:
    """The ``source_hash`` the current build was made from; None if there is no current build (or
    it did not record one: the command line of an older version built it)."""
    try:
        source = layout.read_config(layout.current_build(index_root)).get("source")
    except IndexNotBuiltError:
        return None
    return source if isinstance(source, str) else None


def _texts_and_ids(published: list[Article]) -> tuple[list[str], list[int], list[str]]:
    """Every text to embed (an article's first ``MAX_SLOTS`` texts), with its vector id and its article's id."""
    texts: list[str] = []
    ids: list[int] = []
    labels: list[str] = []
    for article in published:
        article_texts = texts_for(article)[:MAX_SLOTS]
        texts.extend(article_texts)
        ids.extend(vector_ids(article.id, len(article_texts)))
        labels.extend([article.id] * len(article_texts))
    if len(set(ids)) != len(ids):
        raise KnowledgeError("two article ids hash to the same key; rename one of them")
    return texts, ids, labels


def _config(
    embedder: Embedder,
    index: VectorIndex,
    articles: int,
    embedded: int,
    started: float,
    training: float,
    source: str | None,
) -> dict[str, Any]:
    """What ``config.json`` records about a build, besides the format version."""
    return {
        "model": embedder.model_name,
        "model_hash": embedder.model_hash,
        "dimension": embedder.dimension,
        "kind": index.kind,
        "built_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "article_count": articles,
        "vector_count": index.size,
        "embedded_this_build": embedded,
        "build_seconds": round(time.perf_counter() - started, 3),
        "classifier_seconds": round(training, 3),
        "source": source,
        "versions": {"faiss": faiss.__version__, "numpy": np.__version__, "python": platform.python_version()},
    }
