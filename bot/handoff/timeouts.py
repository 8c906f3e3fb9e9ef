"""The timeouts, applied: a queued chat nobody accepts, an agent who accepts and says nothing, and a
user or an agent who goes quiet when it is their turn. Part of HandoffStore (bot/handoff/store.py).

Whose turn it is: the one who did not send the last message (the question counts as the user's;
a private note or a system line is nobody's turn). Once the agent who holds the chat has said or
typed something, the one whose turn it is goes idle after ``idle_user`` / ``idle_agent`` of their
turn with nothing from them, not a message nor typing (HandoffStore.touch). Until then,
``agent_response`` applies instead: the chat goes back to the queue.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from bot import sql
from bot.handoff.models import ClosedIdle, Handoff, QueueTimedOut, ReturnedToQueue, SweepEvent, Timeouts
from bot.handoff.tables import REQUEUE, handoff_from_row, update_handoff


def _later(activity: str) -> str:
    return f"(CASE WHEN {activity} > turn_since THEN {activity} ELSE turn_since END)"


# Each condition takes the cut-off time as its one parameter; it finds the candidates and is checked
# again in each one's UPDATE, so a handoff that changed in between (an agent replied) is left alone.
QUEUE_OVERDUE = "state = 'queued' AND queued_at <= ?"  # from when it last entered the queue
AGENT_SILENT = "state = 'assigned' AND assigned_at <= ? AND (last_agent_at IS NULL OR last_agent_at < assigned_at)"
_ANSWERED = "state = 'assigned' AND last_agent_at >= assigned_at"
# Idle since the later of: the turn began, the last sign of life of the one whose turn it is.
USER_IDLE = f"{_ANSWERED} AND last_speaker = 'agent' AND {_later('last_user_at')} <= ?"
AGENT_IDLE = f"{_ANSWERED} AND last_speaker = 'user' AND {_later('last_agent_at')} <= ?"
ENDED = "closed_at = ?, closed_by = 'system', close_reason = ?"


class Sweeper:
    db: sql.Database

    def sweep(self, now: float, timeouts: Timeouts) -> list[SweepEvent]:
        """Apply the timeouts (bot/handoff/models.py: Timeouts) at ``now`` and say what changed, so
        the caller can tell the user and the agent. Each change is its own transaction and checks its
        condition again, so a second sweep at the same time, or another server's at once, changes nothing."""
        events: list[SweepEvent] = []
        timed_out = f"state = 'timed_out', {ENDED}"
        for _, ended in self._apply(QUEUE_OVERDUE, now - timeouts.queue, timed_out, (now, "queue_timeout")):
            events.append(QueueTimedOut(ended))
        for seen, back in self._apply(AGENT_SILENT, now - timeouts.agent_response, REQUEUE, (now,)):
            events.append(ReturnedToQueue(back, seen.agent_id or "", seen.agent_name or ""))
        idle: tuple[tuple[Literal["user", "agent"], str, float], ...] = (
            ("user", USER_IDLE, timeouts.idle_user),
            ("agent", AGENT_IDLE, timeouts.idle_agent),
        )
        for who, condition, limit in idle:
            for _, ended in self._apply(condition, now - limit, f"state = 'closed', {ENDED}", (now, f"idle_{who}")):
                events.append(ClosedIdle(ended, who))
        return events

    def _apply(self, condition: str, cutoff: float, sets: str, params: Sequence[Any]) -> list[tuple[Handoff, Handoff]]:
        """Each handoff meeting ``condition`` (with ``cutoff``), as it was and as changed by ``sets``;
        one that changed in between (an agent replied, another server swept it) is left alone."""
        with self.db.transaction() as tx:
            rows = tx.execute(f"SELECT * FROM handoffs WHERE {condition} ORDER BY created_at, id", (cutoff,)).fetchall()
        changed = []
        for seen in map(handoff_from_row, rows):
            with self.db.transaction(immediate=True) as tx:
                after = update_handoff(
                    tx,
                    seen.id,
                    sets,
                    params,
                    f"{condition} AND COALESCE(agent_id, '') = ?",
                    (cutoff, seen.agent_id or ""),
                )
            if after is not None:
                changed.append((seen, after))
        return changed
