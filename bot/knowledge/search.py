"""Answer a user's message from the current index: rank articles and decide what to do."""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bot.knowledge.articles import Article
from bot.knowledge.config import KnowledgeConfig
from bot.knowledge.decision import Decision, Thresholds, decide
from bot.knowledge.embedding import Embedder
from bot.knowledge.errors import IndexNotBuiltError
from bot.knowledge.facets import Wanted, fits
from bot.knowledge.index import ArticleIndex
from bot.knowledge.layout import current_build
from bot.knowledge.passages import Passage, Passages

MAX_QUERY_CHARS = 1000  # the model reads 256 word pieces; more text only costs time
DEFAULT_TOP_K = 10
FUSION_CANDIDATES = 30  # semantic candidates re-scored with BM25 and the classifier
WORD = re.compile(r"\w", re.UNICODE)


@dataclass(frozen=True)
class SearchResult:
    query: str
    decision: Decision
    articles: tuple[Article, ...]  # the decision's articles, from the build that was searched
    ranked: tuple[tuple[str, float], ...]
    latency_ms: float
    vector: np.ndarray | None = field(default=None, compare=False, repr=False)  # None: nothing to embed


def normalise_query(text: str) -> str:
    return " ".join(text.split())[:MAX_QUERY_CHARS]


def fuse(
    ranked: list[tuple[str, float]], lexical: np.ndarray, row: Mapping[str, int], weight: float
) -> list[tuple[str, float]]:
    """Re-rank the semantic candidates by cosine + ``weight`` x BM25 relative to the query's best BM25
    score (``lexical[row[id]]`` is an article's BM25 score). Only candidates are re-ranked: a lexical
    hit the semantic search did not find stays out. Equal scores keep their semantic order."""
    best = float(lexical.max()) if len(lexical) else 0.0
    if best <= 0:
        return ranked
    fused = [(a, score + weight * float(lexical[row[a]]) / best) for a, score in ranked]
    return sorted(fused, key=lambda pair: -pair[1])


def blend(
    ranked: list[tuple[str, float]], probabilities: np.ndarray, column: Mapping[str, int], weight: float
) -> list[tuple[str, float]]:
    """Re-rank the candidates by (1 - ``weight``) x their score + ``weight`` x the classifier's
    probability for the article (``probabilities[column[id]]``). Equal scores keep their order."""
    mixed = [(a, (1 - weight) * score + weight * float(probabilities[column[a]])) for a, score in ranked]
    return sorted(mixed, key=lambda pair: -pair[1])


class KnowledgeBase:
    """Searches the current build, and switches to a newer build as soon as one is made current."""

    def __init__(
        self,
        index_dir: Path,
        embedder: Embedder,
        thresholds: Thresholds,
        lexical_weight: float = 0.0,
        classifier_weight: float = 0.0,
    ) -> None:
        self.index_dir, self.embedder, self.thresholds = index_dir, embedder, thresholds
        self.lexical_weight, self.classifier_weight = lexical_weight, classifier_weight
        self.passages = Passages(embedder)
        self._lock = threading.Lock()
        self._index = self._load(current_build(index_dir))

    @classmethod
    def from_config(cls, config: KnowledgeConfig, embedder: Embedder, index_dir: Path | None = None) -> KnowledgeBase:
        """The configured search over ``index_dir`` (default: the configured index)."""
        return cls(
            index_dir or config.index_dir, embedder, config.thresholds, config.lexical_weight, config.classifier_weight
        )

    def _load(self, build: Path) -> ArticleIndex:
        index = ArticleIndex(build)
        if index.config["model_hash"] != self.embedder.model_hash:
            raise IndexNotBuiltError(
                f"{build} was built with other model weights than the running model: "
                "run 'python -m bot.knowledge build'"
            )
        return index

    @property
    def index(self) -> ArticleIndex:
        build = current_build(self.index_dir)
        if build != self._index.build:
            with self._lock:
                if build != self._index.build:
                    self._index = self._load(build)
        return self._index

    def vectors(self) -> np.ndarray:
        """Every vector of the current build (titles, questions, openings): what staff ask when nothing
        is broken, against which the incident matcher measures its incidents (bot/incidents/matching.py)."""
        return self.index.vectors.rows()

    def article(self, article_id: str, tenant: str | None) -> Article | None:
        """The article, if ``tenant``'s staff may see it (a council-only article is theirs alone) and
        it has not expired."""
        article = self.index.by_id.get(article_id)
        shown = article is not None and article.visible_to(tenant) and not article.expired(dt.date.today())
        return article if shown else None

    def search(
        self,
        text: str,
        tenant: str | None = None,
        k: int = DEFAULT_TOP_K,
        wanted: Wanted | None = None,
        vector: np.ndarray | None = None,
    ) -> SearchResult:
        """Rank the articles ``tenant``'s staff may see for ``text`` and decide. ``wanted``: facet
        values the conversation named ("on my laptop"); articles set to other values are left out.
        ``vector``: ``text``'s embedding, when the caller already has it (the studio ranks the same
        question against two indexes, and the dev questions against every draft)."""
        started = time.perf_counter()
        query = normalise_query(text)
        index = self.index
        ranked: list[tuple[str, float]] = []
        if not WORD.search(query):  # nothing to embed in an empty or emoji-only message
            vector = None
        else:
            vector = self.embedder.encode([query])[0] if vector is None else vector
            rescored = bool(self.lexical_weight or self.classifier_weight)
            ranked = index.search(vector, tenant, max(k, FUSION_CANDIDATES) if rescored else k)
            if self.lexical_weight:
                ranked = fuse(ranked, index.lexical.scores(query), index.row, self.lexical_weight)
            classifier = index.classifier
            if self.classifier_weight and classifier.classes:
                ranked = blend(ranked, classifier.probabilities(vector), classifier.column, self.classifier_weight)
            by_id, today = index.by_id, dt.date.today()
            if wanted:
                ranked = [(a, score) for a, score in ranked if fits(by_id[a].facet_values, wanted)]
            ranked = [(a, score) for a, score in ranked if not by_id[a].expired(today)][:k]
        decision = decide(ranked, self.thresholds, index.elsewhere)
        articles = tuple(index.by_id[article_id] for article_id in decision.article_ids)
        elapsed = (time.perf_counter() - started) * 1000
        return SearchResult(query, decision, articles, tuple(ranked), elapsed, vector)

    def passage(self, article: Article, question: str, vector: np.ndarray | None = None) -> Passage:
        """What of ``article`` to show first for ``question``: the chat's concern, so not part of
        ``search`` (whose cost the evaluations measure). ``vector``: the question's embedding, when
        the search already made it."""
        if vector is None:
            query = normalise_query(question)
            if not WORD.search(query):
                return Passage(article.body, True)
            vector = self.embedder.encode([query])[0]
        return self.passages.pick(article, vector)
