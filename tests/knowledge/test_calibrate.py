"""Calibration picks thresholds that meet the targets on labelled rankings; evaluation scores them."""

from __future__ import annotations

import pytest

from bot.knowledge.calibrate import calibrate
from bot.knowledge.decision import Thresholds
from bot.knowledge.evaluation import Query, Ranking, summarise


def ranking(expected: str | None, *ranked: tuple[str, float]) -> Ranking:
    return Ranking(Query("q", expected), tuple(ranked), latency_ms=1.0)


# Right answers score 0.7-0.9; questions with no article top out at 0.45; two questions have
# two close candidates, one of them right.
RANKINGS = [
    *(ranking("vpn", ("vpn", 0.7 + i / 100), ("wifi", 0.4)) for i in range(20)),
    *(ranking(None, ("vpn", 0.3 + i / 100), ("wifi", 0.2)) for i in range(16)),
    ranking("mfa-new-phone", ("mfa-setup", 0.62), ("mfa-new-phone", 0.615)),
    ranking("mfa-setup", ("mfa-setup", 0.63), ("mfa-new-phone", 0.625)),
]


def test_calibration_separates_answers_from_questions_with_no_article() -> None:
    result = calibrate(RANKINGS)
    t = result.thresholds
    assert result.wrong_share == 0.0 and result.null_answered_share == 0.0
    assert 0.45 < t.answer <= 0.7  # every right answer, no question without an article
    assert t.margin >= 0.01  # the two close pairs become choices, not a wrong answer
    summary = summarise(RANKINGS, t)
    assert summary["answered_correctly"] == pytest.approx(20 / 22, abs=1e-4)
    assert summary["clarified_with_answer"] == pytest.approx(2 / 22, abs=1e-4)
    assert summary["null_escalated"] == 1.0 and summary["null_answered"] == 0.0


def test_when_scores_cannot_tell_right_from_wrong_it_escalates_rather_than_answer_wrongly() -> None:
    hopeless = [ranking("vpn", ("wifi", 0.9)), ranking(None, ("vpn", 0.95))] * 5
    t = calibrate(hopeless).thresholds
    assert t.clarify > 0.95  # nothing is answered or offered
    assert summarise(hopeless, t)["answered_wrongly"] == 0.0


def test_a_single_threshold_never_clarifies() -> None:
    t = calibrate(RANKINGS, single_threshold=True).thresholds
    assert t.answer == t.clarify and t.margin == 0.0


def test_summary_counts_ranks_accept_lists_and_latency() -> None:
    rankings = [
        Ranking(Query("a", "vpn"), (("wifi", 0.9), ("vpn", 0.8)), 2.0),
        Ranking(Query("b", "password-reset", frozenset({"account-locked"})), (("account-locked", 0.9),), 4.0),
        Ranking(Query("c", "printer-add"), (), 6.0),
        Ranking(Query("d", None), (("vpn", 0.9),), 8.0),
    ]
    s = summarise(rankings, Thresholds(answer=0.85, clarify=0.5, margin=0.05))
    assert (s["answerable"], s["null"]) == (3, 1)
    assert s["top1"] == pytest.approx(1 / 3, abs=1e-4) and s["top3"] == pytest.approx(2 / 3, abs=1e-4)
    assert s["mrr10"] == pytest.approx((0.5 + 1 + 0) / 3, abs=1e-4)
    assert s["answered_correctly"] == pytest.approx(1 / 3, abs=1e-4)
    assert s["answered_wrongly"] == pytest.approx(1 / 3, abs=1e-4)
    assert s["null_answered"] == 1.0
    assert s["latency_p50_ms"] == 5.0
