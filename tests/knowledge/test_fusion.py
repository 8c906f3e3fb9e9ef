"""BM25 fusion: the semantic candidates re-ranked by cosine + weight x relative BM25 score."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.knowledge.build import build_index
from bot.knowledge.decision import Thresholds
from bot.knowledge.search import FUSION_CANDIDATES, KnowledgeBase, fuse
from tests.fakes import FakeEmbedder, make_article

THRESHOLDS = Thresholds(answer=0.6, clarify=0.3, margin=0.05)

ROW = {"vpn-connect": 0, "printer-add": 1, "wifi-join": 2}


def scores(*values: float) -> np.ndarray:
    return np.array(values, dtype=np.float64)


def test_when_both_signals_agree_the_order_stays_and_scores_rise() -> None:
    ranked = [("vpn-connect", 0.8), ("printer-add", 0.5)]
    fused = fuse(ranked, scores(4.0, 2.0, 0.0), ROW, weight=0.5)
    assert fused == [("vpn-connect", pytest.approx(1.3)), ("printer-add", pytest.approx(0.75))]


def test_a_strong_lexical_match_overtakes_a_slightly_better_cosine() -> None:
    ranked = [("vpn-connect", 0.70), ("printer-add", 0.65)]
    fused = fuse(ranked, scores(0.0, 3.0, 0.0), ROW, weight=0.2)
    assert [a for a, _ in fused] == ["printer-add", "vpn-connect"]
    assert dict(fused) == {"printer-add": pytest.approx(0.85), "vpn-connect": pytest.approx(0.70)}


def test_with_no_lexical_hit_the_semantic_ranking_is_returned_as_it_is() -> None:
    ranked = [("vpn-connect", 0.7), ("printer-add", 0.6)]
    assert fuse(ranked, scores(0.0, 0.0, 0.0), ROW, weight=0.5) == ranked


def test_a_lexical_hit_outside_the_semantic_candidates_is_not_added() -> None:
    ranked = [("vpn-connect", 0.7), ("printer-add", 0.6)]
    fused = fuse(ranked, scores(0.0, 0.0, 5.0), ROW, weight=0.5)  # only wifi-join has the words
    assert fused == ranked


def test_ties_keep_the_semantic_order() -> None:
    ranked = [("printer-add", 0.6), ("vpn-connect", 0.6), ("wifi-join", 0.5)]
    fused = fuse(ranked, scores(1.0, 1.0, 0.0), ROW, weight=0.1)
    assert [a for a, _ in fused] == ["printer-add", "vpn-connect", "wifi-join"]
    assert fused[0][1] == fused[1][1]


@pytest.mark.parametrize(
    "ranked,lexical",
    [
        ([], scores(1.0, 2.0, 0.0)),  # no semantic candidates
        ([], scores()),  # an empty build
        ([("vpn-connect", 0.7)], scores()),  # no lexical scores at all
    ],
)
def test_empty_lists(ranked: list[tuple[str, float]], lexical: np.ndarray) -> None:
    assert fuse(ranked, lexical, ROW, weight=0.5) == ranked


def test_the_knowledge_base_fuses_its_semantic_candidates_when_given_a_weight(tmp_path: Path) -> None:
    collection = [
        make_article("vpn-connect", title="VPN will not connect", questions=("vpn not working",)),
        make_article("visio-install", title="Install Visio", questions=("drawing software",)),
        make_article("printer-add", title="Add a printer", questions=("printer not found",)),
    ]
    embedder = FakeEmbedder()
    build_index(collection, embedder, tmp_path)
    semantic = KnowledgeBase(tmp_path, embedder, THRESHOLDS)
    fused = KnowledgeBase(tmp_path, embedder, THRESHOLDS, lexical_weight=0.3)
    query = "visio not working"
    index = fused.index
    candidates = list(semantic.search(query, k=FUSION_CANDIDATES).ranked)
    expected = fuse(candidates, index.lexical.scores(query), index.row, 0.3)[:2]
    assert fused.search(query, k=2).ranked == tuple(expected)
    assert expected != candidates[:2]  # the weight made a difference here
