"""The shipped articles through the real all-MiniLM-L6-v2 model: what a user would get."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.knowledge import KnowledgeBase, KnowledgeConfig, load_articles
from bot.knowledge.build import build_index
from bot.knowledge.decision import DecisionKind
from bot.knowledge.embedding import SentenceTransformerEmbedder


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory, real_embedder: SentenceTransformerEmbedder) -> KnowledgeBase:
    config = KnowledgeConfig.load()
    index_dir: Path = tmp_path_factory.mktemp("index")
    build_index(load_articles(config.articles_dir), real_embedder, index_dir)
    return KnowledgeBase.from_config(config, real_embedder, index_dir)


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


@pytest.mark.parametrize(
    "question", ["how do i book annual leave", "my desk chair is broken", "can you fix my son's xbox"]
)
def test_questions_the_desk_does_not_handle_are_sent_where_they_belong(kb: KnowledgeBase, question: str) -> None:
    result = kb.search(question)
    assert result.decision.kind is DecisionKind.ELSEWHERE
    assert result.articles[0].elsewhere and "IT service desk" in result.articles[0].body


def test_a_question_alone_gets_the_vector_it_gets_in_a_batch(kb: KnowledgeBase) -> None:
    embedder = kb.embedder
    texts = ["vpn keeps dropping", "I forgot my password", "printer jammed"]
    together = embedder.encode(texts)
    alone = np.vstack([embedder.encode([t]) for t in texts])
    np.testing.assert_allclose(alone, together, atol=1e-5)
    assert np.allclose(np.linalg.norm(alone, axis=1), 1.0, atol=1e-5)


def test_the_model_runs_quantised_and_its_hash_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    import torch

    import bot.knowledge.embedding as embedding

    embedder = SentenceTransformerEmbedder()
    quantised_hash = embedder.model_hash
    layer = embedder._load()[0].auto_model.encoder.layer[0].attention.self.query
    assert isinstance(layer, torch.ao.nn.quantized.dynamic.Linear)
    # vectors from another quantisation (or none) must not be mixed into an index built with this one
    monkeypatch.setattr(embedding, "QUANTISATION", "none")
    assert SentenceTransformerEmbedder().model_hash != quantised_hash
