"""Fakes for fast unit tests: a deterministic embedder and an article factory."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bot.knowledge.articles import Article
from bot.servicedesk import TicketRef, TicketRequest
from bot.servicedesk.local import LocalServiceDesk


class FakeEmbedder:
    """Bag-of-words hashing into 64 dimensions: texts sharing words are close. Counts calls."""

    model_name = "fake-bow"
    model_hash = "fake-bow-1"
    dimension = 64

    def __init__(self) -> None:
        self.embedded: list[str] = []

    def encode(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        self.embedded.extend(texts)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                out[row, int(hashlib.md5(word.strip(".,?!").encode()).hexdigest(), 16) % self.dimension] += 1
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)


def make_article(article_id: str, **overrides: object) -> Article:
    import datetime as dt

    fields: dict[str, object] = {
        "id": article_id,
        "title": article_id.replace("-", " "),
        "category": "general",
        "questions": (f"{article_id.replace('-', ' ')} question",),
        "audience": None,
        "owner": "team",
        "review_by": dt.date(2030, 1, 1),
        "status": "published",
        "body": f"How to fix {article_id}.",
        "escalation": None,
    }
    fields.update(overrides)
    return Article(**fields)  # type: ignore[arg-type]


class ScriptedDesk(LocalServiceDesk):
    """The local desk, failing with the scripted errors first."""

    name = "scripted"

    def __init__(self, path: Path, *errors: Exception) -> None:
        super().__init__(path)
        self.errors, self.creates, self.lookups = list(errors), 0, 0

    def create_ticket(self, request: TicketRequest) -> TicketRef:
        self.creates += 1
        if self.errors:
            raise self.errors.pop(0)
        return super().create_ticket(request)

    def find_by_correlation(self, correlation_id: str) -> TicketRef | None:
        self.lookups += 1
        return super().find_by_correlation(correlation_id)


LOCKERS_OPENING = "The smart lockers on each floor open with the LockerLink app."


def lockers_article(audience: str = "all", opening: str = LOCKERS_OPENING) -> str:
    """A new article's file, as an editor writes it: one no article in knowledge_base/articles covers
    ("my smart locker won't open"), for ``audience`` (``all`` or a YAML list of council ids)."""
    return f"""---
id: smart-lockers
title: Smart lockers will not open
category: devices
questions:
  - the locker app won't open my locker
  - my smart locker is stuck shut
audience: {audience}
owner: End User Computing team
review_by: 2027-09-30
status: published
escalation:
  group: end-user-computing
  priority: P4
---
{opening}

Close the app, turn Bluetooth on, stand within a metre of the locker and tap **Open** again.
"""
