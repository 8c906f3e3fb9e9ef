"""The knowledge-base search engine: articles -> embeddings -> FAISS -> answer/clarify/escalate.

Runs in the action-server environment; it never imports Rasa.
"""

from bot.knowledge.articles import Article, Escalation
from bot.knowledge.config import KnowledgeConfig
from bot.knowledge.decision import Decision, DecisionKind, Thresholds, decide
from bot.knowledge.errors import ArticleError, ConfigError, IndexNotBuiltError, KnowledgeError
from bot.knowledge.search import KnowledgeBase, SearchResult
from bot.knowledge.validate import load_articles

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
