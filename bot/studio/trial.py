"""The studio's "Try it" pane: what the bot would decide for a question against the live index and
against the live index with an editor's draft, and which labelled dev questions the draft changes.

The draft-side index is a real build (bot/knowledge/build.py) of the live build's articles with the
draft in (new, or replacing the published article of the same id), written to a temporary folder:
the live index folder and its embedding cache are only read. Vectors come from an in-memory cache
seeded from the live cache file, so a draft build embeds only the draft's own texts.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import weakref
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from types import TracebackType

import numpy as np

from bot.knowledge import layout
from bot.knowledge.articles import Article
from bot.knowledge.build import build_index
from bot.knowledge.cache import EmbeddingCache
from bot.knowledge.config import KnowledgeConfig
from bot.knowledge.decision import Decision, DecisionKind, Thresholds
from bot.knowledge.embedding import Embedder
from bot.knowledge.errors import Problem
from bot.knowledge.evaluation import Query, is_right, load_queries
from bot.knowledge.recipe import content_vectors
from bot.knowledge.search import WORD, KnowledgeBase, SearchResult, normalise_query
from bot.knowledge.validate import near_duplicates_of
from bot.paths import DEV_QUESTIONS
from bot.studio.errors import UnknownCouncilError

TOP_SHOWN = 5  # ranked articles an Outcome lists
DRAFT_INDEXES = 2  # draft builds kept: the draft being tried, and the one before it
EXTRA_VECTORS = 4096  # drafts' vectors kept on top of the live cache's before it is read afresh
BETTER, WORSE, DIFFERENT = "better", "worse", "different"
VERDICT_ORDER = {WORSE: 0, BETTER: 1, DIFFERENT: 2}  # what an editor must see first


@dataclass(frozen=True)
class Scored:
    article_id: str
    title: str
    score: float  # the fused score the decision compared with the thresholds, unrounded


@dataclass(frozen=True)
class Outcome:
    """What the bot would do with one question against one index."""

    kind: str  # a DecisionKind value: answer, clarify, escalate, elsewhere
    article_ids: tuple[str, ...]  # what the decision shows: the answer, the choices, or where to go
    top: tuple[Scored, ...]  # the first TOP_SHOWN ranked, best first

    @property
    def decision(self) -> Decision:
        return Decision(DecisionKind(self.kind), self.article_ids)


@dataclass(frozen=True)
class Trial:
    question: str
    council: str | None
    live: Outcome
    draft: Outcome  # the live outcome again when no draft was given
    thresholds: Thresholds


@dataclass(frozen=True)
class Change:
    """A dev question whose outcome the draft changes."""

    text: str
    council: str | None
    expected: str | None  # the article it should be answered with; None: no article should be
    before: Outcome
    after: Outcome
    verdict: str  # BETTER: now right, was not; WORSE: was right, now not; DIFFERENT: neither


def outcome(result: SearchResult, by_id: Mapping[str, Article]) -> Outcome:
    """``result`` as the pane shows it, titles from the build that was searched."""
    top = tuple(
        Scored(article_id, by_id[article_id].title if article_id in by_id else article_id, score)
        for article_id, score in result.ranked[:TOP_SHOWN]
    )
    return Outcome(result.decision.kind.value, result.decision.article_ids, top)


def verdict(query: Query, before: Outcome, after: Outcome) -> str:
    """Better, worse or different, by the evaluation's own notion of a right decision."""
    was, now = is_right(query, before.decision), is_right(query, after.decision)
    if now and not was:
        return BETTER
    if was and not now:
        return WORSE
    return DIFFERENT


def as_trialled(draft: Article) -> Article:
    """The draft as the trial builds it: published (the editor is testing it, whatever its status)."""
    return replace(draft, status="published")


class _DraftIndex:
    """A temporary build of the live articles with one draft in; its folder is removed once it is
    dropped from the cache and no trial still searches it."""

    def __init__(self, kb: KnowledgeBase, folder: Path) -> None:
        self.kb = kb
        self.remove = weakref.finalize(self, shutil.rmtree, folder, ignore_errors=True)


@dataclass(frozen=True)
class _DevQuestions:
    queries: tuple[Query, ...]
    vectors: tuple[np.ndarray | None, ...]  # None: nothing to embed (no word in the question)


class Trials:
    """Runs the pane's trials for the web app's worker threads; one per process, built at start-up."""

    def __init__(self, config: KnowledgeConfig, embedder: Embedder, dev_questions: Path = DEV_QUESTIONS) -> None:
        self.config, self.embedder, self.dev_questions = config, embedder, dev_questions
        self.live = KnowledgeBase.from_config(config, embedder)
        self._lock = threading.Lock()  # draft builds, the draft cache and the embedding cache
        self._drafts: OrderedDict[tuple[Path, Article], _DraftIndex] = OrderedDict()
        self._cache: EmbeddingCache | None = None
        self._seeded: tuple[Path, int] = (Path(), 0)  # the live build the cache was read for, and its size then
        self._dev_lock = threading.Lock()
        self._dev: _DevQuestions | None = None
        self._dev_live: tuple[Path, tuple[Outcome, ...]] | None = None  # per live build

    def try_question(self, question: str, council: str | None, draft: Article | None) -> Trial:
        """What the bot would decide for ``question`` from ``council``'s staff, live and with ``draft``."""
        if council is not None and council not in self.config.tenants:
            known = ", ".join(sorted(self.config.tenants))
            raise UnknownCouncilError(f"unknown council {council!r} (known: {known})")
        live_index = self.live.index
        live_result = self.live.search(question, council)
        live = outcome(live_result, live_index.by_id)
        if draft is None:
            return Trial(question, council, live, live, self.live.thresholds)
        held = self._draft_index(draft)  # held, so that its folder outlives this search
        # the question is embedded once, for both indexes
        draft_result = held.kb.search(question, council, vector=live_result.vector)
        return Trial(question, council, live, outcome(draft_result, held.kb.index.by_id), self.live.thresholds)

    def impact(self, draft: Article) -> list[Change]:
        """The dev questions whose decision ``draft`` changes, those it makes wrong first, then
        those it makes right, then the others; each group in the file's order."""
        dev = self._dev_questions()
        before = self._live_outcomes(dev)
        held = self._draft_index(draft)
        by_id = held.kb.index.by_id
        changes = []
        for query, vector, was in zip(dev.queries, dev.vectors, before, strict=True):
            now = outcome(held.kb.search(query.text, query.tenant, vector=vector), by_id)
            if now.decision != was.decision:
                changes.append(Change(query.text, query.tenant, query.expected, was, now, verdict(query, was, now)))
        return sorted(changes, key=lambda change: VERDICT_ORDER[change.verdict])

    def near_duplicates(self, draft: Article) -> list[Problem]:
        """The build's near-duplicate check (``near_duplicate`` in knowledge_base/search.yml) of
        ``draft`` against the live published articles other than the one it replaces."""
        trialled = as_trialled(draft)
        live_index = self.live.index
        others = [a for a in live_index.articles if a.id != draft.id]
        with self._lock:
            cache = self._live_cache(live_index.build)
            vectors = content_vectors([*others, trialled], self.embedder, cache)
        return near_duplicates_of(trialled, vectors[-1], others, vectors[:-1], self.config.near_duplicate)

    def warm(self) -> None:
        """Do now what the first impact check would otherwise wait for: load the model, embed the
        dev questions and rank them live (seconds). The web app may call it from a thread at start-up."""
        self._live_outcomes(self._dev_questions())

    def close(self) -> None:
        """Remove the draft builds' folders now rather than when they are collected."""
        with self._lock:
            for held in self._drafts.values():
                held.remove()
            self._drafts.clear()

    def __enter__(self) -> Trials:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def _draft_index(self, draft: Article) -> _DraftIndex:
        """The live build with ``draft`` in, built on first use and kept per live build and draft content."""
        trialled = as_trialled(draft)
        live_index = self.live.index
        key = (live_index.build, replace(trialled, source=""))  # where the editor's copy lives changes nothing
        with self._lock:
            held = self._drafts.get(key)
            if held is not None:
                self._drafts.move_to_end(key)
                return held
            articles = [trialled if a.id == draft.id else a for a in live_index.articles]
            if draft.id not in live_index.by_id:
                articles.append(trialled)
            folder = Path(tempfile.mkdtemp(prefix="askit-trial-"))
            try:
                cache = self._live_cache(live_index.build)
                build_index(articles, self.embedder, folder, self.config.index, cache=cache)
                held = _DraftIndex(KnowledgeBase.from_config(self.config, self.embedder, folder), folder)
            except BaseException:
                shutil.rmtree(folder, ignore_errors=True)
                raise
            self._drafts[key] = held
            while len(self._drafts) > DRAFT_INDEXES:
                # a trial still searching the dropped build keeps its folder until it is done
                self._drafts.popitem(last=False)
            return held

    def _live_cache(self, build: Path) -> EmbeddingCache:
        """The live cache file's vectors in memory (never saved), read afresh for a new live build
        or once the drafts' own vectors have grown past EXTRA_VECTORS. Call with the lock held."""
        seeded_for, seeded_size = self._seeded
        if self._cache is None or seeded_for != build or len(self._cache) > seeded_size + EXTRA_VECTORS:
            self._cache = EmbeddingCache(layout.cache_path(self.config.index_dir), self.embedder)
            self._seeded = (build, len(self._cache))
        return self._cache

    def _dev_questions(self) -> _DevQuestions:
        """The dev questions and their vectors, embedded once (about 15 ms each)."""
        with self._dev_lock:
            if self._dev is None:
                queries = tuple(load_queries(self.dev_questions))
                texts = [normalise_query(q.text) for q in queries]
                vectors = tuple(self.embedder.encode([t])[0] if WORD.search(t) else None for t in texts)
                self._dev = _DevQuestions(queries, vectors)
            return self._dev

    def _live_outcomes(self, dev: _DevQuestions) -> tuple[Outcome, ...]:
        """The dev questions' live outcomes, ranked again only when the live build changes."""
        live_index = self.live.index
        with self._dev_lock:
            if self._dev_live is None or self._dev_live[0] != live_index.build:
                outcomes = tuple(
                    outcome(self.live.search(q.text, q.tenant, vector=v), live_index.by_id)
                    for q, v in zip(dev.queries, dev.vectors, strict=True)
                )
                self._dev_live = (live_index.build, outcomes)
            return self._dev_live[1]
