"""The FAISS backend: article vectors under stable ids, searched exactly or with HNSW.

A vector's id is ``article_key(article id) << SLOT_BITS | slot``, so the same article keeps the
same ids in every build and a hit names its article without a lookup table. Vectors are unit
length, so inner product is cosine similarity.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from bot.knowledge.config import IndexSettings
from bot.knowledge.layout import VECTORS_FILE

SLOT_BITS = 8  # up to 256 vectors per article
MAX_SLOTS = 1 << SLOT_BITS
HNSW_BUILD_DEPTH = 80  # efConstruction
EXACT, APPROXIMATE = "exact", "hnsw"


def article_key(article_id: str) -> int:
    """A stable 55-bit number for an article id; its vectors get ids ``key << 8 | slot``."""
    return int.from_bytes(hashlib.blake2b(article_id.encode(), digest_size=7).digest(), "big") >> 1


def vector_ids(article_id: str, count: int) -> list[int]:
    key = article_key(article_id)
    return [key << SLOT_BITS | slot for slot in range(count)]


def key_of(vector_id: int) -> int:
    """The ``article_key`` of the article a vector belongs to."""
    return vector_id >> SLOT_BITS


class VectorIndex:
    """Vectors with ids: exact inner-product search up to ``approximate_above`` vectors, HNSW above."""

    def __init__(self, index: Any) -> None:
        self._faiss = index
        inner: Any = faiss.downcast_index(index.index)
        self.kind = APPROXIMATE if isinstance(inner, faiss.IndexHNSW) else EXACT
        self._search_depth: int = inner.hnsw.efSearch if self.kind == APPROXIMATE else 0
        self._rows: np.ndarray | None = None

    @classmethod
    def create(cls, vectors: np.ndarray, ids: list[int], dimension: int, settings: IndexSettings) -> VectorIndex:
        inner: Any
        if len(ids) <= settings.approximate_above:
            inner = faiss.IndexFlatIP(dimension)
        else:
            inner = faiss.IndexHNSWFlat(dimension, settings.hnsw_neighbours, faiss.METRIC_INNER_PRODUCT)
            inner.hnsw.efConstruction = HNSW_BUILD_DEPTH
            inner.hnsw.efSearch = settings.hnsw_search_depth
        index = faiss.IndexIDMap2(inner)
        if ids:
            index.add_with_ids(vectors, np.array(ids, dtype=np.int64))
        return cls(index)

    @classmethod
    def load(cls, build: Path) -> VectorIndex:
        return cls(faiss.read_index(str(build / VECTORS_FILE)))

    def save(self, build: Path) -> None:
        faiss.write_index(self._faiss, str(build / VECTORS_FILE))

    @property
    def size(self) -> int:
        return int(self._faiss.ntotal)

    def ids(self) -> list[int]:
        """Every vector id held."""
        return [int(i) for i in faiss.vector_to_array(self._faiss.id_map)]

    def rows(self) -> np.ndarray:
        """Every vector held, one row each (read from FAISS once: a build does not change)."""
        if self._rows is None:
            inner: Any = faiss.downcast_index(self._faiss.index)
            self._rows = np.asarray(inner.reconstruct_n(0, self.size), dtype=np.float32).reshape(-1, inner.d)
        return self._rows

    def nearest(self, query: np.ndarray, fetch: int) -> list[tuple[int, float]]:
        """The ``fetch`` nearest vectors to ``query`` as (vector id, score), best first."""
        if fetch == 0:
            return []
        params = None
        if self.kind == APPROXIMATE:  # look at no fewer candidates than results wanted
            depth = max(fetch, self._search_depth)
            # faiss's stubs lack SearchParametersHNSW; the Rasa environment's mypy has no faiss at all
            params = faiss.SearchParametersHNSW(efSearch=depth)  # type: ignore[attr-defined, unused-ignore]
        scores, ids = self._faiss.search(query.reshape(1, -1).astype(np.float32), fetch, params=params)
        return [(int(i), float(s)) for s, i in zip(scores[0], ids[0], strict=True) if i >= 0]  # -1: no more
