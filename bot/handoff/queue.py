"""Who can take a chat and what is waiting: the agents' presence, each group's queue, a queued
chat's place in it and the wait to expect. Part of HandoffStore (bot/handoff/store.py)."""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterable

from bot import sql
from bot.handoff.errors import UnknownAgent
from bot.handoff.models import PRESENCES, Agent, Presence, Waiting
from bot.handoff.tables import agent_from_row, handoff_from_row, read_handoff
from bot.identity import ALL_COUNCILS, serves
from bot.sql import one

WAIT_SAMPLE = 20  # estimated_wait: the median of this many latest first accepts in the group ...
WAIT_WINDOW = 7 * 24 * 3600.0  # ... within this many seconds
SEEN_WITHIN = 120.0  # available_for: an agent not seen for longer (a closed laptop) is not available


class PresenceAndQueue:
    db: sql.Database

    def set_presence(
        self,
        agent_id: str,
        *,
        name: str,
        groups: Iterable[str],
        councils: Iterable[str],
        state: Presence,
        capacity: int,
        now: float,
    ) -> Agent:
        """Record who the agent is, what they take (``councils``: ids, or ALL_COUNCILS) and whether
        they are available; each sign-in or change of state says it again."""
        if state not in PRESENCES:
            raise ValueError(f"a presence is one of {', '.join(PRESENCES)}, got {state!r}")
        if capacity < 0:
            raise ValueError(f"a capacity is 0 or more, got {capacity}")
        values = (agent_id, name, json.dumps(sorted(set(groups))), json.dumps(sorted(set(councils))), state, capacity)
        with self.db.transaction(immediate=True) as tx:
            row = one(
                tx.execute(
                    "INSERT INTO handoff_agents (agent_id, name, resolver_groups, councils, state, capacity, last_seen)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (agent_id) DO UPDATE SET name = excluded.name,"
                    " resolver_groups = excluded.resolver_groups, councils = excluded.councils,"
                    " state = excluded.state, capacity = excluded.capacity, last_seen = excluded.last_seen RETURNING *",
                    (*values, now),
                )
            )
        return agent_from_row(row)

    def seen(self, agent_id: str, *, now: float) -> None:
        """The agent's console is still there (a heartbeat)."""
        with self.db.transaction(immediate=True) as tx:
            tx.execute(
                "UPDATE handoff_agents SET last_seen = ? WHERE agent_id = ? AND last_seen < ?", (now, agent_id, now)
            )

    def agent(self, agent_id: str) -> Agent:
        with self.db.transaction() as tx:
            row = one(tx.execute("SELECT * FROM handoff_agents WHERE agent_id = ?", (agent_id,)))
        if row is None:
            raise UnknownAgent(agent_id)
        return agent_from_row(row)

    def available_for(
        self, group: str, tenant: str | None, *, now: float, seen_within: float = SEEN_WITHIN
    ) -> list[Agent]:
        """The agents who could take a chat of ``group`` for ``tenant`` now: available, seen lately,
        in the group, serving the council, with room for another chat; the least busy first."""
        with self.db.transaction() as tx:
            rows = tx.execute(
                "SELECT a.*, (SELECT COUNT(*) FROM handoffs h WHERE h.agent_id = a.agent_id AND h.state = 'assigned')"
                " AS chats FROM handoff_agents a WHERE a.state = 'available' AND a.last_seen >= ?"
                " ORDER BY chats, a.agent_id",
                (now - seen_within,),
            ).fetchall()
        found = [(agent_from_row(r), r["chats"]) for r in rows]
        return [a for a, chats in found if group in a.groups and serves(a.councils, tenant) and chats < a.capacity]

    # -- the queue -------------------------------------------------------------------------------

    def position(self, handoff_id: str) -> int | None:
        """The handoff's place in its group's queue, 1 first; None once it is not queued."""
        with self.db.transaction() as tx:
            current = read_handoff(tx, handoff_id)
            if current.state != "queued":
                return None
            row = one(
                tx.execute(
                    "SELECT COUNT(*) AS ahead FROM handoffs WHERE resolver_group = ? AND state = 'queued'"
                    " AND (created_at < ? OR (created_at = ? AND id < ?))",
                    (current.group, current.created_at, current.created_at, current.id),
                )
            )
        return int(row["ahead"]) + 1

    def estimated_wait(self, group: str, *, now: float) -> float | None:
        """Seconds a new request in ``group`` may wait: the median wait of its latest WAIT_SAMPLE
        chats first accepted within WAIT_WINDOW; None without such history."""
        with self.db.transaction() as tx:
            rows = tx.execute(
                "SELECT first_assigned_at - created_at AS waited FROM handoffs WHERE resolver_group = ?"
                " AND first_assigned_at >= ? ORDER BY first_assigned_at DESC LIMIT ?",
                (group, now - WAIT_WINDOW, WAIT_SAMPLE),
            ).fetchall()
        return float(statistics.median(r["waited"] for r in rows)) if rows else None

    def queue(
        self, groups: str | Iterable[str], *, now: float, councils: Iterable[str] = (ALL_COUNCILS,)
    ) -> list[Waiting]:
        """The queued handoffs of ``groups``, oldest first, with their place in their group's queue and
        seconds waited; only those of ``councils`` (an agent sees only their councils' chats)."""
        wanted = [groups] if isinstance(groups, str) else sorted(set(groups))
        served = tuple(councils)
        if not wanted:
            return []
        with self.db.transaction() as tx:
            rows = tx.execute(
                f"SELECT * FROM handoffs WHERE state = 'queued' AND resolver_group IN ({', '.join('?' * len(wanted))})"
                " ORDER BY created_at, id",
                wanted,
            ).fetchall()
        places: dict[str, int] = {}
        waiting = []
        for handoff in map(handoff_from_row, rows):
            places[handoff.group] = places.get(handoff.group, 0) + 1
            if serves(served, handoff.tenant):
                waiting.append(Waiting(handoff, places[handoff.group], now - handoff.created_at))
        return waiting
