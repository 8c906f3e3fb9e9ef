"""Choose the decision thresholds from labelled questions (the dev split, never the test split).

Every combination on a grid is scored at once with numpy. A combination is admissible when it
meets both service targets on the given questions: at most ``max_wrong`` of the answerable
questions answered with a wrong article, and at most ``max_null_answered`` of the questions that
have no article answered with one (escalating everything always does). Among those, the one
with the highest utility wins: utility rewards a right answer, gives partial credit to a right
choice among clarifying buttons, and charges for wrong answers and pointless choices.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bot.knowledge.decision import Thresholds
from bot.knowledge.evaluation import Ranking, summarise

MAX_WRONG = 0.01  # issue 12's service targets; cross-validation on the dev split found no gain in
MAX_NULL_ANSWERED = 0.05  # tighter ones, only fewer right answers (docs/benchmarks.md)
GRID_STEP = 0.01
MARGINS = tuple(round(0.01 * i, 2) for i in range(0, 13))


@dataclass(frozen=True)
class Utility:
    right_answer: float = 1.0
    right_choice: float = 0.6  # one more click than an answer
    useless_choice: float = -0.2  # the user reads buttons, then still needs a ticket
    wrong_answer: float = -2.0  # wrong steps cost more than a ticket
    null_escalated: float = 1.0
    null_answered: float = -1.5


@dataclass(frozen=True)
class Calibration:
    thresholds: Thresholds
    wrong_share: float
    null_answered_share: float
    utility: float
    combinations: int


@dataclass(frozen=True)
class Graded:
    """The questions as arrays: each one's top scores and the rank of its right article (99: not
    listed) among the desk's articles, whether it has one, and whether a "not the desk's" entry
    (``elsewhere``) came first, which decides the question whenever it is offered at all."""

    scores: np.ndarray  # questions x (max_choices + 1)
    rank: np.ndarray
    answerable: np.ndarray
    elsewhere: np.ndarray

    @classmethod
    def of(cls, rankings: Sequence[Ranking], depth: int) -> Graded:
        scores = np.full((len(rankings), depth), -np.inf)
        rank = np.full(len(rankings), 99)
        elsewhere = np.zeros(len(rankings), dtype=bool)
        for row, r in enumerate(rankings):
            elsewhere[row] = bool(r.ranked) and r.ranked[0][0] in r.elsewhere
            ranked = r.ranked[:1] if elsewhere[row] else [(a, s) for a, s in r.ranked if a not in r.elsewhere]
            top = [s for _, s in ranked[:depth]]
            scores[row, : len(top)] = top
            rank[row] = next((i for i, (a, _) in enumerate(ranked) if a in r.query.acceptable), 99)
        return cls(scores, rank, np.array([r.query.expected is not None for r in rankings]), elsewhere)


@dataclass(frozen=True)
class Outcomes:
    """Per candidate answer threshold: the utility, and the shares of the two service targets."""

    value: np.ndarray
    wrong_share: np.ndarray
    null_share: np.ndarray


def outcomes(
    g: Graded, margin: float, clarify: float, answers_at: np.ndarray, utility: Utility, max_choices: int
) -> Outcomes:
    """What ``clarify``, ``margin`` and each threshold in ``answers_at`` would do to the questions."""
    best, answerable = g.scores[:, 0], g.answerable
    right_first, listed = answerable & (g.rank == 0), answerable & (g.rank < 99)
    # choices: leading articles within ``margin`` of the best and at least ``clarify``
    close = (g.scores >= np.maximum(clarify, best - margin)[:, None]).sum(axis=1)
    some = best >= clarify
    away = some & g.elsewhere  # "the service desk does not handle this": right only for no-article questions
    ours = some & ~g.elsewhere
    right_choice = listed & (g.rank < np.minimum(close, max_choices))
    # one row per candidate answer threshold, one column per question
    answers = ours & (close == 1) & (best[None, :] >= answers_at[:, None])
    clarifies = ours & ~answers
    wrong = (answers & answerable & ~right_first) | (away & answerable)
    null_answered = answers & ~answerable
    value = (
        (~answerable & (~some | away)).sum() * utility.null_escalated
        + (answers & right_first).sum(axis=1) * utility.right_answer
        + (clarifies & right_choice).sum(axis=1) * utility.right_choice
        + (clarifies & ~right_choice).sum(axis=1) * utility.useless_choice
        + wrong.sum(axis=1) * utility.wrong_answer
        + null_answered.sum(axis=1) * utility.null_answered
    )
    wrong_share = wrong.sum(axis=1) / max(int(answerable.sum()), 1)
    null_share = null_answered.sum(axis=1) / max(int((~answerable).sum()), 1)
    return Outcomes(value, wrong_share, null_share)


def calibrate(
    rankings: Sequence[Ranking],
    max_wrong: float = MAX_WRONG,
    max_null_answered: float = MAX_NULL_ANSWERED,
    utility: Utility = Utility(),
    max_choices: int = 3,
    single_threshold: bool = False,
) -> Calibration:
    """Best thresholds for ``rankings``; ``single_threshold`` tries only answer-or-escalate
    (answer == clarify, no margin), the rule a plain search engine would use."""
    if not rankings:
        raise ValueError("no questions to calibrate on")
    graded = Graded.of(rankings, max_choices + 1)
    grid = np.round(np.arange(0.0, 1.0 + 1e-9, GRID_STEP), 2)
    best_key: tuple[float, float, float] | None = None
    chosen: Calibration | None = None
    combinations = 0
    for margin in (0.0,) if single_threshold else MARGINS:
        for clarify in grid:
            answers_at = np.array([clarify]) if single_threshold else grid[grid >= clarify]
            out = outcomes(graded, margin, clarify, answers_at, utility, max_choices)
            combinations += len(answers_at)
            for i in np.flatnonzero((out.wrong_share <= max_wrong) & (out.null_share <= max_null_answered)):
                # ties go to the widest answer/clarify gap, then the smallest margin: deterministic,
                # and erring towards offering choices
                key = (float(out.value[i]), float(answers_at[i] - clarify), -margin)
                if best_key is None or key > best_key:
                    best_key = key
                    chosen = Calibration(
                        Thresholds(answer=float(answers_at[i]), clarify=float(clarify), margin=margin),
                        wrong_share=round(float(out.wrong_share[i]), 4),
                        null_answered_share=round(float(out.null_share[i]), 4),
                        utility=round(float(out.value[i]) / len(rankings), 4),
                        combinations=0,
                    )
    assert chosen is not None  # escalating everything always meets both targets
    return dataclasses.replace(chosen, combinations=combinations)


@dataclass(frozen=True)
class Validated:
    """Pooled over the held-out folds: shares of answerable questions answered right and wrongly
    (sent elsewhere counts as wrong), and of no-article questions answered."""

    right: float
    wrong: float
    null_answered: float


def cross_validate(
    rankings: Sequence[Ranking],
    folds: int = 10,
    seeds: int = 3,
    max_wrong: float = MAX_WRONG,
    max_null_answered: float = MAX_NULL_ANSWERED,
) -> Validated:
    """What calibrating on these questions does to questions it has not seen: for each of ``seeds``
    shuffles, calibrate on all folds but one and decide the one left out."""
    right = wrong = null_answered = 0.0
    answerable = null = 0
    for seed in range(seeds):
        parts = np.array_split(np.random.default_rng(seed).permutation(len(rankings)), folds)
        for i, held_out in enumerate(parts):
            rest = [rankings[j] for k, part in enumerate(parts) if k != i for j in part]
            thresholds = calibrate(rest, max_wrong, max_null_answered).thresholds
            s = summarise([rankings[j] for j in held_out], thresholds)
            right += s["answered_correctly"] * s["answerable"]
            wrong += s["answered_wrongly"] * s["answerable"]
            null_answered += s["null_answered"] * s["null"]
            answerable, null = answerable + s["answerable"], null + s["null"]
    return Validated(right / max(answerable, 1), wrong / max(answerable, 1), null_answered / max(null, 1))
