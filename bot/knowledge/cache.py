"""Embeddings cached by content hash, so that a rebuild only embeds the text that changed."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

from bot.knowledge.embedding import Embedder

PROGRESS_FROM = 256  # texts to embed before a build shows a progress bar


class EmbeddingCache:
    """Vectors keyed by sha256(model hash, text); stored next to the builds."""

    def __init__(self, path: Path, embedder: Embedder) -> None:
        self.path, self.model_hash = path, embedder.model_hash
        self._vectors: dict[str, np.ndarray] = {}
        if path.exists():
            with np.load(path) as data:
                self._vectors = dict(zip(data["keys"].tolist(), data["vectors"], strict=True))

    def __len__(self) -> int:
        return len(self._vectors)

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
        """Write the cache, keeping only the ``keep`` keys if given (what the new build uses)."""
        items = [(k, v) for k, v in self._vectors.items() if keep is None or k in keep]
        tmp = self.path.with_suffix(".tmp.npz")
        np.savez(tmp, keys=np.array([k for k, _ in items]), vectors=np.array([v for _, v in items]))
        os.replace(tmp, self.path)
