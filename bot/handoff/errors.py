"""Errors the handoff store raises when a change is refused; callers tell the person why from them.
A database that fails raises bot.sql.DatabaseError, untouched.

HandoffError
 ├── UnknownHandoff      no handoff with that id
 ├── UnknownAgent        no agent with that id has set a presence
 ├── HandoffClosed       it is no longer open: closed, cancelled, timed out or failed (says which, by whom)
 ├── AlreadyTaken        another agent holds it (names them): a second accept, or a cancel too late
 ├── NotAssigned         the agent acting is not the one who holds it (or nobody does)
 └── AgentNotEligible    the agent does not take this group's or this council's chats
      └── AtCapacity     the agent already has as many chats as their capacity
"""

from __future__ import annotations

import datetime as dt

from bot.handoff.models import Handoff


class HandoffError(Exception):
    """Base class of every refusal this package raises."""


class UnknownHandoff(HandoffError):
    def __init__(self, handoff_id: str) -> None:
        super().__init__(f"no handoff {handoff_id}")
        self.handoff_id = handoff_id


class UnknownAgent(HandoffError):
    def __init__(self, agent_id: str) -> None:
        super().__init__(f"no agent {agent_id} (an agent sets a presence first)")
        self.agent_id = agent_id


class HandoffClosed(HandoffError):
    def __init__(self, handoff: Handoff) -> None:
        when = dt.datetime.fromtimestamp(handoff.closed_at or 0, dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        why = f": {handoff.close_reason}" if handoff.close_reason else ""
        super().__init__(
            f"handoff {handoff.id} is {handoff.state.replace('_', ' ')} (by {handoff.closed_by}, {when}{why})"
        )
        self.handoff = handoff


class AlreadyTaken(HandoffError):
    def __init__(self, handoff: Handoff) -> None:
        super().__init__(f"handoff {handoff.id} is already taken by {handoff.agent_name} ({handoff.agent_id})")
        self.handoff = handoff
        self.agent_id, self.agent_name = handoff.agent_id, handoff.agent_name


class NotAssigned(HandoffError):
    def __init__(self, handoff: Handoff, agent_id: str) -> None:
        holder = f"{handoff.agent_name} ({handoff.agent_id}) holds it" if handoff.agent_id else "nobody holds it"
        super().__init__(f"agent {agent_id} does not hold handoff {handoff.id}: {holder}")
        self.handoff, self.agent_id = handoff, agent_id


class AgentNotEligible(HandoffError):
    def __init__(self, agent_id: str, handoff: Handoff, why: str) -> None:
        super().__init__(f"agent {agent_id} cannot take handoff {handoff.id}: {why}")
        self.agent_id, self.handoff = agent_id, handoff


class AtCapacity(AgentNotEligible):
    def __init__(self, agent_id: str, handoff: Handoff, capacity: int) -> None:
        super().__init__(agent_id, handoff, f"already has as many chats as their capacity ({capacity})")
        self.capacity = capacity
