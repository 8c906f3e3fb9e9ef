"""Checks across the whole collection of articles, on top of each file's own field checks.

Errors stop a build (the index that was serving stays); warnings are reported and do not.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection
from itertools import combinations
from pathlib import Path

import numpy as np

from bot.knowledge.articles import Article, read_articles
from bot.knowledge.errors import ArticleError, Problem

_NOT_WORD = re.compile(r"[^\w]+")


def _where(article: Article) -> Path:
    return Path(article.source or article.id)


def _normalised(question: str) -> str:
    return " ".join(_NOT_WORD.sub(" ", question.casefold()).split())


def collection_problems(articles: list[Article], tenants: Collection[str] | None) -> list[Problem]:
    """The same question under two articles, unknown tenants, and links to missing articles."""
    problems: list[Problem] = []
    by_id = {a.id: a for a in articles}
    asked: dict[str, Article] = {}
    for article in articles:
        for question in article.questions:
            key = _normalised(question)
            other = asked.setdefault(key, article)
            if other is not article:
                problems.append(
                    Problem(_where(article), "questions", f"{question!r} is also a question of {other.id!r}")
                )
        if tenants is not None:
            for tenant in article.audience or ():
                if tenant not in tenants:
                    known = ", ".join(sorted(tenants))
                    problems.append(Problem(_where(article), "audience", f"unknown tenant {tenant!r} (known: {known})"))
        for target in article.links:
            if target not in by_id:
                problems.append(Problem(_where(article), "body", f"links to kb:{target}, which is not an article"))
            elif article.published and not by_id[target].published:
                problems.append(Problem(_where(article), "body", f"links to kb:{target}, which is a draft"))
    return problems


def overdue_reviews(articles: list[Article], today: dt.date) -> list[Problem]:
    """Warnings for articles whose ``review_by`` date has passed."""
    return [
        Problem(_where(a), "review_by", f"review was due on {a.review_by.isoformat()}; check it is still right")
        for a in articles
        if a.review_by < today
    ]


def _near_duplicate(first: Article, second: Article, similarity: float, bound: float) -> Problem:
    message = f"is nearly the same as {first.id!r} (similarity {similarity:.2f} >= {bound}); merge them"
    return Problem(_where(second), "body", message)


def near_duplicates(articles: list[Article], vectors: np.ndarray, bound: float) -> list[Problem]:
    """Pairs of articles whose content vectors (one unit row per article) are at least ``bound`` alike."""
    similarity = vectors @ vectors.T
    return [
        _near_duplicate(first, second, float(similarity[i, j]), bound)
        for (i, first), (j, second) in combinations(enumerate(articles), 2)
        if similarity[i, j] >= bound
    ]


def near_duplicates_of(
    article: Article, vector: np.ndarray, others: list[Article], vectors: np.ndarray, bound: float
) -> list[Problem]:
    """The same check for one new or edited ``article`` (content vector ``vector``) against
    ``others`` (one row each) only: what a knowledge editor's draft would be refused for."""
    similarity = vectors @ vector
    return [
        _near_duplicate(other, article, float(score), bound)
        for other, score in zip(others, similarity, strict=True)
        if score >= bound
    ]


def load_articles(root: Path, tenants: Collection[str] | None = None) -> list[Article]:
    """Every article under ``root`` (drafts included), or ArticleError listing every problem found."""
    articles, problems = read_articles(root)
    problems += collection_problems(articles, tenants)
    if problems:
        raise ArticleError(problems)
    return articles
