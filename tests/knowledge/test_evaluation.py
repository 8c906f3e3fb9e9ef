"""What the evaluation counts as a right decision (bot/knowledge/evaluation.py's ``is_right``),
which the studio's impact check (bot/studio/trial.py) uses too."""

from __future__ import annotations

import pytest

from bot.knowledge.decision import Decision, DecisionKind
from bot.knowledge.evaluation import Query, is_right

VPN = Query("vpn down", "vpn-connect", frozenset({"home-working-connection"}))
NO_ARTICLE = Query("what's for lunch", None)


@pytest.mark.parametrize(
    "query,decision,right",
    [
        (VPN, Decision(DecisionKind.ANSWER, ("vpn-connect",)), True),
        (VPN, Decision(DecisionKind.ANSWER, ("home-working-connection",)), True),  # accepted
        (VPN, Decision(DecisionKind.ANSWER, ("printer-add",)), False),
        (VPN, Decision(DecisionKind.CLARIFY, ("vpn-connect", "printer-add")), False),
        (VPN, Decision(DecisionKind.ESCALATE), False),
        (VPN, Decision(DecisionKind.ELSEWHERE, ("facilities-and-buildings",)), False),
        (NO_ARTICLE, Decision(DecisionKind.ANSWER, ("printer-add",)), False),
        (NO_ARTICLE, Decision(DecisionKind.CLARIFY, ("printer-add",)), True),
        (NO_ARTICLE, Decision(DecisionKind.ESCALATE), True),
        (NO_ARTICLE, Decision(DecisionKind.ELSEWHERE, ("facilities-and-buildings",)), True),
    ],
)
def test_a_decision_is_right_as_the_figures_count_it(query: Query, decision: Decision, right: bool) -> None:
    assert is_right(query, decision) is right
