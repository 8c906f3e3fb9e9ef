from __future__ import annotations

from typing import Any

import pytest

from bot.knowledge.decision import Decision, DecisionKind, Thresholds, decide

T = Thresholds(answer=0.6, clarify=0.4, margin=0.05)


@pytest.mark.parametrize(
    "ranked,expected",
    [
        ([], Decision(DecisionKind.ESCALATE)),
        ([("a", 0.39), ("b", 0.2)], Decision(DecisionKind.ESCALATE)),
        ([("a", 0.8), ("b", 0.5)], Decision(DecisionKind.ANSWER, ("a",))),
        ([("a", 0.8)], Decision(DecisionKind.ANSWER, ("a",))),
        ([("a", 0.8), ("b", 0.78)], Decision(DecisionKind.CLARIFY, ("a", "b"))),
        ([("a", 0.5), ("b", 0.3)], Decision(DecisionKind.CLARIFY, ("a",))),
        ([("a", 0.7), ("b", 0.69), ("c", 0.68), ("d", 0.67)], Decision(DecisionKind.CLARIFY, ("a", "b", "c"))),
        ([("a", 0.45), ("b", 0.42), ("c", 0.38)], Decision(DecisionKind.CLARIFY, ("a", "b"))),
    ],
)
def test_decision_table(ranked: list[tuple[str, float]], expected: Decision) -> None:
    assert decide(ranked, T) == expected


@pytest.mark.parametrize(
    "ranked,expected",
    [
        ([("hr", 0.8), ("a", 0.5)], Decision(DecisionKind.ELSEWHERE, ("hr",))),
        ([("hr", 0.39), ("a", 0.3)], Decision(DecisionKind.ESCALATE)),  # too far from anything
        ([("a", 0.8), ("hr", 0.79)], Decision(DecisionKind.ANSWER, ("a",))),  # passed over, not a rival
        ([("a", 0.5), ("hr", 0.49), ("b", 0.48)], Decision(DecisionKind.CLARIFY, ("a", "b"))),  # never a choice
    ],
)
def test_an_entry_the_desk_does_not_handle_decides_only_when_first(
    ranked: list[tuple[str, float]], expected: Decision
) -> None:
    assert decide(ranked, T, elsewhere=frozenset({"hr"})) == expected


@pytest.mark.parametrize(
    "kwargs", [{"answer": 0.3, "clarify": 0.5, "margin": 0.1}, {"answer": 0.6, "clarify": 0.4, "margin": -1}]
)
def test_inconsistent_thresholds_are_refused(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        Thresholds(**kwargs)
