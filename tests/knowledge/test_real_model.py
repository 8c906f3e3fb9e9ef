"""The shipped articles through the real all-MiniLM-L6-v2 model: what a user would get."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.knowledge import KnowledgeBase, KnowledgeConfig, load_articles
from bot.knowledge.build import build_index
from bot.knowledge.decision import DecisionKind
from bot.knowledge.embedding import SentenceTransformerEmbedder


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    config = KnowledgeConfig.load()
    index_dir: Path = tmp_path_factory.mktemp("index")
    embedder = SentenceTransformerEmbedder()
    build_index(load_articles(config.articles_dir), embedder, index_dir)
    return KnowledgeBase.from_config(config, embedder, index_dir)


@pytest.mark.parametrize(
    "question,article_id",
    [
        ("I forgot my password", "password-reset"),
        ("my account says it is locked", "account-locked"),
        ("the vpn won't connect from home", "vpn-connect"),
        ("how do I get my laptop on the office wifi", "wifi-corporate"),
    ],
)
def test_clear_questions_are_answered_with_the_right_article(kb: KnowledgeBase, question: str, article_id: str) -> None:
    result = kb.search(question)
    assert result.decision.kind is DecisionKind.ANSWER
    assert result.decision.article_ids == (article_id,)


@pytest.mark.parametrize("question", ["my desk chair is broken", "what's for lunch in the canteen", "我的椅子坏了"])
def test_questions_no_article_covers_are_not_answered(kb: KnowledgeBase, question: str) -> None:
    assert kb.search(question).decision.kind is not DecisionKind.ANSWER
