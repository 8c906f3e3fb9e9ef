"""The web widget's banner of known problems, kept up to date while a tab is open.

On connect a socket is sent the active incidents of its user's council (socket.io event
``known_incidents {incidents: [{id, title, summary, status}]}``; none: no banner). Incidents are
declared, updated and resolved by other processes (the command line, the back office, the feeds),
so every ``REFRESH_SECONDS`` one read of every council's active incidents is compared with what each
open socket shows, and a socket whose list changed is sent the new one. A database that cannot be
read changes nothing (bot/incidents/known.py logs it).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Any

from socketio import AsyncServer

from bot.identity import VerifiedIdentity, tenant_for
from bot.incidents.known import KnownIncidents, shown_to
from bot.incidents.models import Incident

logger = logging.getLogger(__name__)

INCIDENTS_EVENT = "known_incidents"
REFRESH_SECONDS = 5.0
Shown = list[dict[str, str]]


def banner(active: Sequence[Incident], council: str | None) -> Shown:
    return [{"id": i.id, "title": i.title, "summary": i.summary, "status": i.status} for i in shown_to(active, council)]


class Banners:
    def __init__(self, sio: AsyncServer, known: KnownIncidents, every: float = REFRESH_SECONDS) -> None:
        self.sio, self.known, self.every = sio, known, every
        self._open: dict[str, tuple[str | None, Shown]] = {}  # socket id -> its council, what it shows
        self._task: asyncio.Task[None] | None = None

    async def connected(self, sid: str, identity: VerifiedIdentity) -> None:
        council = tenant_for(identity)
        shown = banner(await self.known.active() or [], council)
        self._open[sid] = (council, shown)
        await self.sio.emit(INCIDENTS_EVENT, {"incidents": shown}, room=sid)

    def disconnected(self, sid: str) -> None:
        self._open.pop(sid, None)

    async def refresh(self) -> int:
        """Send each open socket whose banner changed its new one; returns how many were sent."""
        if not self._open:
            return 0
        active = await self.known.active()
        if active is None:
            return 0
        sent = 0
        for sid, (council, was) in list(self._open.items()):
            now = banner(active, council)
            if now != was and sid in self._open:
                self._open[sid] = (council, now)
                await self.sio.emit(INCIDENTS_EVENT, {"incidents": now}, room=sid)
                sent += 1
        return sent

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.every)
            try:
                await self.refresh()
            except Exception:  # a socket gone mid-send: the next round is another chance
                logger.exception("web chat: the known problems banner could not be refreshed")

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self, *_: Any) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
