"""The studio's parts that need the embedding model ("Try it", the impact check and the
near-duplicate check: bot/studio/trial.py), loaded on first use so the back office starts without
it; and the escalation groups an article may name."""

from __future__ import annotations

import threading
from collections.abc import Iterable

from bot.knowledge.articles import Article
from bot.knowledge.config import KnowledgeConfig
from bot.knowledge.errors import Problem
from bot.servicedesk.triage import Router
from bot.studio.trial import Trials


class LazyTrials:
    def __init__(self, config: KnowledgeConfig) -> None:
        self.config = config
        self._trials: Trials | None = None
        self._lock = threading.Lock()
        self._warming = False

    def get(self) -> Trials:
        with self._lock:
            if self._trials is None:
                from bot.knowledge.embedding import SentenceTransformerEmbedder  # torch: only when first needed

                self._trials = Trials(self.config, SentenceTransformerEmbedder())
            return self._trials

    def warm_soon(self) -> None:
        """Load the model and embed the labelled questions in the background (an editor opened a
        page that may try a question: the first try then takes milliseconds, not seconds)."""
        with self._lock:
            if self._warming:
                return
            self._warming = True
        threading.Thread(target=lambda: self.get().warm(), name="studio-warm", daemon=True).start()

    def near_duplicates(self, draft: Article) -> list[Problem]:
        return self.get().near_duplicates(draft)


def escalation_groups(router: Router, articles: Iterable[Article]) -> tuple[str, ...]:
    """Every resolver group the routing file or a live article names, for the editor's list."""
    named = {router.default_group, router.major_incident_group, *(rule.group for rule in router.rules)}
    named |= {a.escalation.group for a in articles if a.escalation is not None}
    for tenant in router.tenants.values():
        named |= set(tenant.groups.values()) | {rule.group for rule in tenant.rules}
    return tuple(sorted(named))
