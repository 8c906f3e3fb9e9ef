"""Measure how well the search answers: load a question set, rank every question, and score
the rankings and decisions. Works on any collection (``load_corpus``), not only ours.

Question file, JSON Lines: {"text", "expected": article id or null, "accept": [ids], "tenant"}
(``accept`` and ``tenant`` optional; null means no article should be answered).
Corpus file, JSON Lines: {"id", "title", "questions": [...], "body"} (questions and body may be empty).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bot.knowledge.articles import Article
from bot.knowledge.decision import Decision, DecisionKind, Thresholds, decide
from bot.knowledge.errors import ArticleError, Problem
from bot.knowledge.search import KnowledgeBase

RANK_DEPTH = 10
WRONG_KINDS = (DecisionKind.ANSWER, DecisionKind.ELSEWHERE)


@dataclass(frozen=True)
class Query:
    text: str
    expected: str | None
    accept: frozenset[str] = frozenset()
    tenant: str | None = None

    @property
    def acceptable(self) -> frozenset[str]:
        return self.accept | {self.expected} if self.expected else frozenset()


@dataclass(frozen=True)
class Ranking:
    """What the engine returned for one query, before any decision."""

    query: Query
    ranked: tuple[tuple[str, float], ...]
    latency_ms: float
    elsewhere: frozenset[str] = frozenset()  # the ranked ids that are "not the desk's" entries

    def rank_of_answer(self) -> int | None:
        """0-based position of the first acceptable article, or None."""
        return next((i for i, (a, _) in enumerate(self.ranked) if a in self.query.acceptable), None)

    def decide(self, thresholds: Thresholds) -> Decision:
        return decide(self.ranked, thresholds, self.elsewhere)


def _jsonl(path: Path) -> list[tuple[int, dict[str, Any]]]:
    rows = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ArticleError([Problem(path, "file", f"cannot be read: {exc}")]) from exc
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ArticleError([Problem(Path(f"{path}:{number}"), "line", f"is not JSON: {exc.msg}")]) from exc
        if not isinstance(data, dict):
            raise ArticleError([Problem(Path(f"{path}:{number}"), "line", "must be a JSON object")])
        rows.append((number, data))
    return rows


def load_queries(path: Path) -> list[Query]:
    queries, problems = [], []
    for number, data in _jsonl(path):
        where = Path(f"{path}:{number}")
        text, expected = data.get("text"), data.get("expected")
        accept, tenant = data.get("accept") or [], data.get("tenant")
        if not isinstance(text, str):
            problems.append(Problem(where, "text", "must be text"))
        elif expected is not None and not isinstance(expected, str):
            problems.append(Problem(where, "expected", "must be an article id or null"))
        elif not isinstance(accept, list) or not all(isinstance(a, str) for a in accept):
            problems.append(Problem(where, "accept", "must be a list of article ids"))
        elif tenant is not None and not isinstance(tenant, str):
            problems.append(Problem(where, "tenant", "must be a tenant id or null"))
        else:
            queries.append(Query(text, expected, frozenset(accept), tenant))
    if problems:
        raise ArticleError(problems)
    return queries


def load_corpus(path: Path) -> list[Article]:
    """A JSONL collection as published articles for everyone."""
    articles, problems = [], []
    for number, data in _jsonl(path):
        where = Path(f"{path}:{number}")
        article_id, title = data.get("id"), data.get("title") or ""
        questions, body = data.get("questions") or [], data.get("body") or ""
        if not isinstance(article_id, str) or not article_id:
            problems.append(Problem(where, "id", "must be non-empty text"))
        elif not isinstance(title, str) or not isinstance(body, str):
            problems.append(Problem(where, "title", "title and body must be text"))
        elif not isinstance(questions, list) or not all(isinstance(q, str) for q in questions):
            problems.append(Problem(where, "questions", "must be a list of text"))
        elif not (title.strip() or body.strip() or any(q.strip() for q in questions)):
            problems.append(Problem(where, "title", "the line has no text to search"))
        else:
            articles.append(
                Article(
                    id=article_id,
                    title=title.strip(),
                    category="corpus",
                    questions=tuple(q.strip() for q in questions if q.strip()),
                    audience=None,
                    owner="corpus",
                    review_by=dt.date.max,
                    status="published",
                    body=body.strip(),
                    source=str(where),
                )
            )
    if problems:
        raise ArticleError(problems)
    return articles


def rank_all(kb: KnowledgeBase, queries: Sequence[Query]) -> list[Ranking]:
    rankings = []
    for query in queries:
        result = kb.search(query.text, tenant=query.tenant, k=RANK_DEPTH)
        elsewhere = frozenset(a for a, _ in result.ranked) & kb.index.elsewhere
        rankings.append(Ranking(query, result.ranked, result.latency_ms, elsewhere))
    return rankings


def answered_right(query: Query, decision: Decision) -> bool:
    """The decision answers with one of the articles ``query`` accepts."""
    return decision.kind is DecisionKind.ANSWER and decision.article_ids[0] in query.acceptable


def is_right(query: Query, decision: Decision) -> bool:
    """Right as the figures below count it: a question with an expected article is answered with
    it (or one it accepts); a question no article covers is not answered (escalating, offering
    choices or sending it elsewhere are all fine: ``null_answered`` is the failure)."""
    if query.expected is None:
        return decision.kind is not DecisionKind.ANSWER
    return answered_right(query, decision)


def _share(flags: Sequence[bool]) -> float:
    return round(float(np.mean(flags)), 4) if flags else 0.0


def summarise(rankings: Sequence[Ranking], thresholds: Thresholds) -> dict[str, Any]:
    """The figures the evaluation reports; every share is over the queries it names."""
    decided = [(r, r.decide(thresholds)) for r in rankings]
    answerable = [(r, d) for r, d in decided if r.query.expected is not None]
    null = [d for r, d in decided if r.query.expected is None]

    def offered_right(r: Ranking, d: Decision) -> bool:
        return d.kind is DecisionKind.CLARIFY and bool(r.query.acceptable & set(d.article_ids))

    ranks = [r.rank_of_answer() for r, _ in answerable]
    latencies = [r.latency_ms for r in rankings]
    return {
        "queries": len(rankings),
        "answerable": len(answerable),
        "null": len(null),
        "top1": _share([rank == 0 for rank in ranks]),
        "top3": _share([rank is not None and rank < 3 for rank in ranks]),
        "mrr10": round(float(np.mean([1 / (rank + 1) if rank is not None else 0.0 for rank in ranks])), 4)
        if ranks
        else 0.0,
        "answered_correctly": _share([answered_right(r.query, d) for r, d in answerable]),
        # an IT question told "the service desk does not handle this" is answered wrongly too
        "answered_wrongly": _share([d.kind in WRONG_KINDS and not answered_right(r.query, d) for r, d in answerable]),
        "sent_elsewhere": _share([d.kind is DecisionKind.ELSEWHERE for _, d in answerable]),
        "clarified_with_answer": _share([offered_right(r, d) for r, d in answerable]),
        "escalated_answerable": _share([d.kind is DecisionKind.ESCALATE for _, d in answerable]),
        "null_escalated": _share([d.kind is DecisionKind.ESCALATE for d in null]),
        "null_elsewhere": _share([d.kind is DecisionKind.ELSEWHERE for d in null]),
        "null_clarified": _share([d.kind is DecisionKind.CLARIFY for d in null]),
        "null_answered": _share([d.kind is DecisionKind.ANSWER for d in null]),
        "latency_p50_ms": round(float(np.percentile(latencies, 50)), 2) if latencies else 0.0,
        "latency_p95_ms": round(float(np.percentile(latencies, 95)), 2) if latencies else 0.0,
    }


def result_lines(rankings: Sequence[Ranking], thresholds: Thresholds) -> list[dict[str, Any]]:
    """One JSON-ready record per query, in the order given."""
    return [
        {
            "text": r.query.text,
            "tenant": r.query.tenant,
            "decision": r.decide(thresholds).kind.value,
            "ranked": [a for a, _ in r.ranked[:RANK_DEPTH]],
            "scores": [round(s, 4) for _, s in r.ranked[:RANK_DEPTH]],
            "latency_ms": round(r.latency_ms, 2),
        }
        for r in rankings
    ]
