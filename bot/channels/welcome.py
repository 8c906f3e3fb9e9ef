"""The first thing staff see (the Teams welcome, the widget's first message): a greeting by first
name and their council's starter topics as buttons (bot/studio/starters.py), read from the back
office's database and the current index build. Never in the way: a database or index that cannot
be read gives the welcome without starters (logged), never no welcome."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from bot import replies, sql
from bot.identity import tenant_for
from bot.insights.store import MIGRATIONS as INSIGHTS_MIGRATIONS
from bot.insights.store import most_answered
from bot.knowledge.errors import KnowledgeError
from bot.studio.errors import StudioError
from bot.studio.starters import MAX_STARTERS, MOST_ASKED_DAYS, LiveArticles, Starter, StarterStore

logger = logging.getLogger(__name__)
DAY = 86_400.0
MOST_ASKED_READ = 4 * MAX_STARTERS  # some of the most asked may since have gone from the index


class Welcomes:
    """Opened on first use, from ``database`` (ASKIT_BACKOFFICE_DB) and ``index_root`` (ASKIT_INDEX_DIR)."""

    def __init__(self, database: str, index_root: Path, clock: Callable[[], float] = time.time) -> None:
        self.database, self.clock = database, clock
        self.articles = LiveArticles(index_root)
        self._store: StarterStore | None = None

    async def welcome(self, identity: Mapping[str, Any], known: Sequence[tuple[str, str, str]] = ()) -> replies.Reply:
        """The welcome for ``identity`` (a verified identity), with ``known`` problems first (Teams)."""
        starters = await self.starters(tenant_for(identity))
        name = identity.get("name")
        return replies.welcome(known, starters, replies.first_name(name if isinstance(name, str) else None))

    async def starters(self, council: str | None) -> list[Starter]:
        try:
            return await asyncio.to_thread(self._starters, council)
        except (StudioError, KnowledgeError, sql.DatabaseError, OSError) as exc:
            logger.error("starter topics unavailable: %s: %s", type(exc).__name__, exc)
            return []

    def _starters(self, council: str | None) -> list[Starter]:
        now = self.clock()
        live = self.articles.titles(council, dt.datetime.fromtimestamp(now, dt.timezone.utc).date())
        store = self._open()
        since = now - MOST_ASKED_DAYS * DAY
        return store.starters(council, live, lambda: most_answered(store.db, since, council, MOST_ASKED_READ))

    def _open(self) -> StarterStore:
        if self._store is None:
            store = StarterStore.open(self.database)
            # The insights tables, should the back office (which makes them) not have started yet.
            sql.migrate(store.db, INSIGHTS_MIGRATIONS)
            self._store = store
        return self._store
