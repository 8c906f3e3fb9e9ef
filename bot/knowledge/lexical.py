"""BM25 over each article's title, questions and body: the lexical signal fused with the
semantic one. It catches the rare exact words an embedding blurs (product names, "Visio",
"Market Street"). Kept because it wins on the dev split (docs/benchmarks.md)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import bm25s
import numpy as np

from bot.knowledge.articles import Article
from bot.knowledge.layout import LEXICAL_DIR

STOPWORDS = "en"


def _tokens(texts: list[str]) -> list[list[str]]:
    tokenized: list[list[str]] = bm25s.tokenize(texts, stopwords=STOPWORDS, return_ids=False, show_progress=False)
    return tokenized


class LexicalIndex:
    """Scores every article of one build for a query; row ``i`` is the build's ``i``-th article."""

    def __init__(self, engine: bm25s.BM25, size: int) -> None:
        self.engine, self.size = engine, size

    @classmethod
    def build(cls, articles: Sequence[Article]) -> LexicalIndex:
        engine = bm25s.BM25()
        corpus = [" ".join([a.title, *a.questions, a.body]) for a in articles]
        engine.index(bm25s.tokenize(corpus, stopwords=STOPWORDS, show_progress=False), show_progress=False)
        return cls(engine, len(articles))

    def save(self, build: Path) -> None:
        self.engine.save(str(build / LEXICAL_DIR))

    @classmethod
    def load(cls, build: Path, size: int) -> LexicalIndex:
        return cls(bm25s.BM25.load(str(build / LEXICAL_DIR)), size)

    def scores(self, text: str) -> np.ndarray:
        known = [t for t in _tokens([text])[0] if t in self.engine.vocab_dict]
        if not known or self.size == 0:
            return np.zeros(self.size)
        return np.asarray(self.engine.get_scores(known), dtype=np.float64)
