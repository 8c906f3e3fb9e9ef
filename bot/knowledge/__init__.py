"""The knowledge-base search engine: articles -> embeddings -> FAISS -> answer/clarify/escalate.

Runs in the action-server environment; it never imports Rasa. The names below are imported on
first use, so that the Rasa server can import the light modules (``bot.knowledge.layout``,
``bot.knowledge.ids``) without loading FAISS, numpy or a model.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.knowledge.articles import Article, Escalation
    from bot.knowledge.config import KnowledgeConfig
    from bot.knowledge.decision import Decision, DecisionKind, Thresholds, decide
    from bot.knowledge.errors import ArticleError, ConfigError, IndexNotBuiltError, KnowledgeError
    from bot.knowledge.search import KnowledgeBase, SearchResult
    from bot.knowledge.validate import load_articles

_MODULE_OF = {
    "Article": "articles",
    "Escalation": "articles",
    "KnowledgeConfig": "config",
    "Decision": "decision",
    "DecisionKind": "decision",
    "Thresholds": "decision",
    "decide": "decision",
    "ArticleError": "errors",
    "ConfigError": "errors",
    "IndexNotBuiltError": "errors",
    "KnowledgeError": "errors",
    "KnowledgeBase": "search",
    "SearchResult": "search",
    "load_articles": "validate",
}

__all__ = [
    "Article",
    "ArticleError",
    "ConfigError",
    "Decision",
    "DecisionKind",
    "Escalation",
    "IndexNotBuiltError",
    "KnowledgeBase",
    "KnowledgeConfig",
    "KnowledgeError",
    "SearchResult",
    "Thresholds",
    "decide",
    "load_articles",
]


def __getattr__(name: str) -> object:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # the next look-up does not come here
    return value
