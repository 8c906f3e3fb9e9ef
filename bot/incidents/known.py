"""The active known incidents of a person's council, as the channels show them before anyone asks
(the widget's banner, the Teams welcome). Never in the way: a database that cannot be read gives
no incidents, logged, rather than a refused connection or no welcome."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from bot.config import read_settings
from bot.handoff.environment import DATABASE
from bot.identity import tenant_for
from bot.incidents.errors import IncidentError
from bot.incidents.models import Incident
from bot.incidents.store import IncidentStore
from bot.sql import DatabaseError

logger = logging.getLogger(__name__)
MAX_SHOWN = 3  # a banner of more would push the conversation off a small screen


class KnownIncidents:
    """Opened on first use, from ``database`` (ASKIT_BACKOFFICE_DB: where the incidents live)."""

    def __init__(self, database: str) -> None:
        self.database = database
        self._store: IncidentStore | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> KnownIncidents:
        return cls(str(read_settings(env, (DATABASE,))[DATABASE.name]))

    async def of(self, identity: Mapping[str, Any]) -> list[Incident]:
        """The active incidents of ``identity``'s council (a verified identity), at most MAX_SHOWN."""
        return shown_to(await self.active() or [], tenant_for(identity))

    async def active(self) -> list[Incident] | None:
        """Every council's active incidents, or None (logged) if the database cannot be read."""
        try:
            if self._store is None:
                self._store = await asyncio.to_thread(IncidentStore.open, self.database)
            return await asyncio.to_thread(self._store.listed)
        except (IncidentError, DatabaseError, OSError) as exc:
            logger.error("known incidents unavailable: %s", type(exc).__name__)
            return None


def shown_to(active: Sequence[Incident], council: str | None) -> list[Incident]:
    """Of every council's active incidents, those shown to staff of ``council``: at most MAX_SHOWN."""
    return [i for i in active if i.concerns(council)][:MAX_SHOWN]
