"""Turn ranked search scores into one decision: answer, clarify (offer choices), escalate, or say
the question is one the service desk does not handle (``elsewhere``)."""

from __future__ import annotations

from collections.abc import Sequence, Set
from dataclasses import dataclass
from enum import Enum


class DecisionKind(str, Enum):
    ANSWER = "answer"
    CLARIFY = "clarify"
    ESCALATE = "escalate"
    ELSEWHERE = "elsewhere"


@dataclass(frozen=True)
class Thresholds:
    """Cosine-similarity bounds, kept in knowledge_base/search.yml.

    answer:  the best article is answered alone if it scores at least this and no other
             article is within ``margin`` of it;
    clarify: articles scoring at least this (and within ``margin`` of the best) are offered
             as choices; below it, nothing fits and a ticket is offered.
    """

    answer: float
    clarify: float
    margin: float
    max_choices: int = 3

    def __post_init__(self) -> None:
        if not 0.0 <= self.clarify <= self.answer <= 1.0:
            raise ValueError(f"need 0 <= clarify <= answer <= 1, got {self}")
        if self.margin < 0 or self.max_choices < 1:
            raise ValueError(f"margin must be >= 0 and max_choices >= 1, got {self}")


@dataclass(frozen=True)
class Decision:
    kind: DecisionKind
    article_ids: tuple[str, ...] = ()


def decide(ranked: Sequence[tuple[str, float]], thresholds: Thresholds, elsewhere: Set[str] = frozenset()) -> Decision:
    """``ranked`` is (article id, score), best first; ``elsewhere`` holds the ids of the entries for
    questions the service desk does not handle. Such an entry decides only when it is first (and at
    least ``clarify``); otherwise it is passed over and never offered as a choice."""
    if not ranked or ranked[0][1] < thresholds.clarify:
        return Decision(DecisionKind.ESCALATE)
    if ranked[0][0] in elsewhere:
        return Decision(DecisionKind.ELSEWHERE, (ranked[0][0],))
    ranked = [(article_id, score) for article_id, score in ranked if article_id not in elsewhere]
    best = ranked[0][1]
    close = [
        article_id for article_id, score in ranked if score >= thresholds.clarify and best - score <= thresholds.margin
    ]
    if best >= thresholds.answer and len(close) == 1:
        return Decision(DecisionKind.ANSWER, (ranked[0][0],))
    return Decision(DecisionKind.CLARIFY, tuple(close[: thresholds.max_choices]))
