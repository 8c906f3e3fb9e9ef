from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.knowledge.config import KnowledgeConfig
from bot.knowledge.decision import DecisionKind, Thresholds
from bot.knowledge.errors import ConfigError, IndexNotBuiltError
from bot.knowledge.index import ArticleIndex, build_index, current_build
from bot.knowledge.search import MAX_QUERY_CHARS, KnowledgeBase
from tests.fakes import FakeEmbedder, make_article

THRESHOLDS = Thresholds(answer=0.6, clarify=0.3, margin=0.05)


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


def articles() -> list:
    return [
        make_article("vpn-connect", title="VPN will not connect", questions=("vpn not working",)),
        make_article("printer-add", title="Add a printer", questions=("printer not found",)),
        make_article(
            "riverside-parking",
            title="Riverside parking permits",
            questions=("parking permit",),
            audience=("riverside",),
        ),
        make_article("draft-only", title="Draft article", status="draft"),
    ]


def test_build_saves_a_directory_with_config_and_makes_it_current(tmp_path: Path, fake_embedder: FakeEmbedder) -> None:
    build = build_index(articles(), fake_embedder, tmp_path)
    assert current_build(tmp_path) == build
    config = json.loads((build / "config.json").read_text())
    assert config["article_count"] == 3  # the draft is not served
    assert config["model"] == "fake-bow" and config["dimension"] == 64
    assert {a.id for a in ArticleIndex(build).articles} == {"vpn-connect", "printer-add", "riverside-parking"}


def test_a_rebuild_embeds_only_what_changed(tmp_path: Path) -> None:
    first = FakeEmbedder()
    build_index(articles(), first, tmp_path)
    second = FakeEmbedder()
    changed = articles()
    changed[0] = make_article("vpn-connect", title="VPN will not connect", questions=("vpn not working", "vpn drops"))
    build_index(changed, second, tmp_path)
    assert second.embedded == ["vpn drops"]


def test_search_answers_and_respects_tenants(tmp_path: Path, fake_embedder: FakeEmbedder) -> None:
    build_index(articles(), fake_embedder, tmp_path)
    kb = KnowledgeBase(tmp_path, fake_embedder, THRESHOLDS)
    result = kb.search("vpn not working")
    assert result.decision.kind is DecisionKind.ANSWER and result.decision.article_ids == ("vpn-connect",)
    assert "riverside-parking" not in [a for a, _ in kb.search("parking permit", tenant="northbrook").ranked]
    assert kb.search("parking permit", tenant="riverside").decision.article_ids == ("riverside-parking",)


@pytest.mark.parametrize("text", ["", "   ", "😀😀😀", "!!!"])
def test_messages_with_no_words_escalate_without_embedding(tmp_path: Path, text: str) -> None:
    embedder = FakeEmbedder()
    build_index(articles(), embedder, tmp_path)
    embedder.embedded.clear()
    kb = KnowledgeBase(tmp_path, embedder, THRESHOLDS)
    assert kb.search(text).decision.kind is DecisionKind.ESCALATE
    assert embedder.embedded == []


def test_long_messages_are_cut_before_embedding(tmp_path: Path, fake_embedder: FakeEmbedder) -> None:
    build_index(articles(), fake_embedder, tmp_path)
    kb = KnowledgeBase(tmp_path, fake_embedder, THRESHOLDS)
    kb.search("vpn " * 5000)
    assert len(fake_embedder.embedded[-1]) == MAX_QUERY_CHARS


def test_a_running_knowledge_base_switches_to_a_new_build(tmp_path: Path, fake_embedder: FakeEmbedder) -> None:
    build_index(articles(), fake_embedder, tmp_path)
    kb = KnowledgeBase(tmp_path, fake_embedder, THRESHOLDS)
    assert kb.article("teams-audio") is None
    build_index([*articles(), make_article("teams-audio", title="Teams audio")], fake_embedder, tmp_path)
    assert kb.article("teams-audio") is not None


def test_no_index_is_a_clear_error(tmp_path: Path, fake_embedder: FakeEmbedder) -> None:
    with pytest.raises(IndexNotBuiltError, match=r"python -m bot\.knowledge build"):
        KnowledgeBase(tmp_path, fake_embedder, THRESHOLDS)


def test_config_names_the_missing_setting(tmp_path: Path) -> None:
    path = tmp_path / "search.yml"
    path.write_text("thresholds:\n  answer: 0.6\n  margin: 0.1\n")
    with pytest.raises(ConfigError, match=r"thresholds\.clarify is missing"):
        KnowledgeConfig.load({"ASKIT_SEARCH_CONFIG": str(path)})
