"""The knowledge base and service desk the actions use: one of each per action-server process.

Created on first use from configuration, or handed in by ``use()`` (start-up and tests).
"""

from __future__ import annotations

import os
import threading

from bot.knowledge import KnowledgeBase, KnowledgeConfig
from bot.knowledge.embedding import SentenceTransformerEmbedder
from bot.knowledge.watch import ArticleWatcher
from bot.servicedesk import ServiceDesk, create_service_desk

_lock = threading.Lock()
_kb: KnowledgeBase | None = None
_desk: ServiceDesk | None = None


def use(kb: KnowledgeBase | None = None, desk: ServiceDesk | None = None) -> None:
    global _kb, _desk
    with _lock:
        _kb, _desk = kb, desk


def knowledge_base() -> KnowledgeBase:
    global _kb
    with _lock:
        if _kb is None:
            config = KnowledgeConfig.load()
            _kb = KnowledgeBase.from_config(config, SentenceTransformerEmbedder())
        return _kb


def service_desk() -> ServiceDesk:
    global _desk
    with _lock:
        if _desk is None:
            _desk = create_service_desk()
        return _desk


def warm_up() -> None:
    """Load configuration, the index and the model now; raises the package errors if any is wrong.

    Unless ASKIT_WATCH_ARTICLES=0, also start rebuilding the index whenever an article changes.
    """
    kb = knowledge_base()
    kb.search("warm up")
    service_desk()
    if os.environ.get("ASKIT_WATCH_ARTICLES", "1") != "0":
        ArticleWatcher(KnowledgeConfig.load(), kb.embedder).start()
