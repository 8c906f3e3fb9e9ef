"""The articles' classifier: trained by every build, so an edited article is learnt with nothing
run by hand, and blended into the search score."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import numpy as np
import pytest

from bot.knowledge.classifier import ArticleClassifier
from bot.knowledge.config import KnowledgeConfig
from bot.knowledge.decision import Thresholds
from bot.knowledge.index import ArticleIndex
from bot.knowledge.layout import current_build
from bot.knowledge.search import KnowledgeBase, blend
from bot.knowledge.watch import ArticleWatcher
from tests.fakes import FakeEmbedder
from tests.knowledge.test_articles import write
from tests.knowledge.test_validate import article_file


def clusters(seed: int = 0) -> tuple[np.ndarray, list[str]]:
    """Three articles' texts: unit vectors around three directions."""
    rng = np.random.default_rng(seed)
    centres = np.eye(8)[:3]
    vectors = np.repeat(centres, 10, axis=0) + 0.2 * rng.standard_normal((30, 8))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors.astype(np.float32), [label for label in ("a", "b", "c") for _ in range(10)]


def test_it_learns_which_article_a_vector_belongs_to_and_survives_a_round_trip(tmp_path: Path) -> None:
    vectors, labels = clusters()
    classifier = ArticleClassifier.train(vectors, labels)
    assert classifier.classes == ("a", "b", "c")
    p = classifier.probabilities(np.eye(8, dtype=np.float32)[1])
    assert p.sum() == pytest.approx(1.0) and classifier.classes[int(p.argmax())] == "b" and p.max() > 0.8
    classifier.save(tmp_path)
    loaded = ArticleClassifier.load(tmp_path)
    assert loaded.classes == classifier.classes
    np.testing.assert_allclose(loaded.probabilities(vectors[25]), classifier.probabilities(vectors[25]), rtol=1e-6)


def test_one_article_or_none_needs_no_training() -> None:
    one = ArticleClassifier.train(np.ones((2, 4), dtype=np.float32) / 2, ["only", "only"])
    assert one.classes == ("only",) and one.probabilities(np.ones(4, dtype=np.float32)).tolist() == [1.0]
    empty = ArticleClassifier.train(np.zeros((0, 4), dtype=np.float32), [])
    assert empty.probabilities(np.ones(4, dtype=np.float32)).size == 0


def test_blend_mixes_the_probability_in_and_reorders() -> None:
    ranked = [("a", 0.80), ("b", 0.78)]
    mixed = blend(ranked, np.array([0.1, 0.9]), {"a": 0, "b": 1}, 0.5)
    assert [a for a, _ in mixed] == ["b", "a"]
    assert dict(mixed) == pytest.approx({"a": 0.45, "b": 0.84})
    assert blend(ranked, np.array([0.1, 0.9]), {"a": 0, "b": 1}, 0.0) == ranked


def test_an_edited_article_is_learnt_by_the_next_build_with_nothing_run_by_hand(tmp_path: Path) -> None:
    articles = tmp_path / "articles"
    write(articles, "connectivity/vpn-connect.md", article_file("vpn-connect"))
    write(articles, "printing/toner-low.md", article_file("toner-low", "printing"))
    config = dataclasses.replace(KnowledgeConfig.load({}), articles_dir=articles, index_dir=tmp_path / "index")
    embedder = FakeEmbedder()
    watcher = ArticleWatcher(config, embedder)
    assert watcher.check()
    kb = KnowledgeBase(config.index_dir, embedder, Thresholds(0.5, 0.3, 0.05), classifier_weight=1.0)
    before = ArticleIndex(current_build(config.index_dir)).classifier
    assert set(before.classes) == {"vpn-connect", "toner-low"}

    # an editor adds a phrasing to one article and a new article beside it
    path = articles / "printing" / "toner-low.md"
    path.write_text(
        path.read_text().replace("  - toner-low question\n", "  - toner-low question\n  - cartridge empty\n")
    )
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    write(articles, "connectivity/wifi-corporate.md", article_file("wifi-corporate"))
    assert watcher.check()

    after = ArticleIndex(current_build(config.index_dir)).classifier
    assert set(after.classes) == {"vpn-connect", "toner-low", "wifi-corporate"}
    cartridge = embedder.encode(["cartridge empty"])[0]
    assert after.classes[int(after.probabilities(cartridge).argmax())] == "toner-low"
    # the search (scored by the classifier alone here) uses the new build's classifier at once
    assert kb.search("cartridge empty").ranked[0][0] == "toner-low"
    assert kb.search("wifi-corporate question").ranked[0][0] == "wifi-corporate"


def test_above_its_size_limit_the_build_skips_the_classifier_and_the_search_ranks_without_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import bot.knowledge.classifier as classifier_module

    monkeypatch.setattr(classifier_module, "MAX_ARTICLES", 1)
    vectors, labels = clusters()
    assert ArticleClassifier.train(vectors, labels).classes == ()
    articles = tmp_path / "articles"
    write(articles, "connectivity/vpn-connect.md", article_file("vpn-connect"))
    write(articles, "printing/toner-low.md", article_file("toner-low", "printing"))
    config = dataclasses.replace(KnowledgeConfig.load({}), articles_dir=articles, index_dir=tmp_path / "index")
    embedder = FakeEmbedder()
    assert ArticleWatcher(config, embedder).check()
    plain = KnowledgeBase(config.index_dir, embedder, Thresholds(0.5, 0.3, 0.05))
    weighted = KnowledgeBase(config.index_dir, embedder, Thresholds(0.5, 0.3, 0.05), classifier_weight=0.5)
    assert weighted.search("toner-low question").ranked == plain.search("toner-low question").ranked
