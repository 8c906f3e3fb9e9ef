"""A handoff store on each database AskIT supports (the ``location`` fixture: SQLite and a real PostgreSQL)."""

from __future__ import annotations

import pytest

from bot.handoff.store import HandoffStore


@pytest.fixture
def store(location: str) -> HandoffStore:
    return HandoffStore.open(location)
