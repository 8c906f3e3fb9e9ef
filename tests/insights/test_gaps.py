"""Gap clustering on a planted set (bot/insights/gaps.py): three topics no article covers, mixed
with answered questions and one-off escalations, come back as three clusters, labelled by their
own words."""

from __future__ import annotations

import pytest

from bot.insights.gaps import AGGLOMERATIVE_LIMIT, MIN_CLUSTER, gap_questions, gaps
from bot.insights.outcomes import Question
from bot.knowledge.embedding import SentenceTransformerEmbedder

PARKING = [
    "how do I renew my staff parking permit",
    "my car park permit has expired",
    "where do I apply for a parking permit at the civic centre",
    "parking permit for the council car park",
    "can I get a staff parking permit for my new car",
    "who issues parking permits for staff",
]
PAYSLIPS = [
    "I can't see my payslip for October",
    "where do I download my payslip",
    "my payslip is missing from the payroll portal",
    "payslip shows the wrong tax code",
    "how do I get a copy of last year's payslips",
]
FLEET = [
    "how do I book a pool car",
    "the pool car booking system won't let me reserve a vehicle",
    "who do I ask to book a council pool car for a site visit",
    "pool car keys collection",
    "can I book a pool car for tomorrow",
]
ONE_OFFS = ["the coffee machine on floor 2 is broken", "is the office open on boxing day", "lost my umbrella"]


def question(n: int, text: str, decision: str = "escalate", feedback: str | None = None) -> Question:
    tenant = ("riverside", "northbrook")[n % 2]
    return Question(n, f"c{n}", f"u{n}", 1.0 + n, "webchat", tenant, text, decision, None, feedback)


@pytest.fixture(scope="module")
def embedder() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder()


@pytest.mark.parametrize("limit", [AGGLOMERATIVE_LIMIT, 0], ids=["agglomerative", "two-stage"])
def test_three_uncovered_topics_come_back_as_three_clusters(embedder: SentenceTransformerEmbedder, limit: int) -> None:
    planted = [*PARKING, *PAYSLIPS[:3], *FLEET, *ONE_OFFS]
    asked = [question(n, text) for n, text in enumerate(planted)]
    asked += [question(100 + n, t, "answer", "not_helped") for n, t in enumerate(PAYSLIPS[3:])]  # answered, no help
    asked += [question(200 + n, t, "answer", "helped") for n, t in enumerate(["reset my password", "vpn drops"] * 4)]
    found = gaps(gap_questions(asked), embedder, limit)
    topics = {
        "parking": (PARKING, {"parking", "permit"}),
        "payslips": (PAYSLIPS, {"payslip"}),
        "fleet": (FLEET, {"pool", "car"}),
    }
    seen = set()
    for gap in found:
        [topic] = [name for name, (texts, _) in topics.items() if set(gap.examples) <= set(texts)]  # one topic each
        assert set(gap.label.split()) & topics[topic][1], gap.label  # labelled by its own words
        assert sum(gap.councils.values()) == gap.size >= MIN_CLUSTER and len(gap.examples) == 3
        seen.add(topic)
    assert seen == set(topics)
    sizes = sorted(g.size for g in found)
    if limit:
        assert sizes == [5, 5, 6]
    else:  # k-means with as many groups as texts may pair a one-off with a topic's question
        assert sizes in ([5, 5, 6], [5, 6, 6]), sizes


def test_answered_questions_and_too_few_are_not_gaps(embedder: SentenceTransformerEmbedder) -> None:
    helped = [question(n, "reset my password", "answer", "helped") for n in range(10)]
    assert gap_questions(helped) == [] and gaps([question(1, "x")], embedder) == []
