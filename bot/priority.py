"""The priority scale every ticket carries, one definition for the articles, triage, the desks
and the bot's replies: P1 (a major incident: many people, no way to work) down to P4."""

from __future__ import annotations

P1, P2, P3, P4 = "P1", "P2", "P3", "P4"
PRIORITIES: tuple[str, ...] = (P1, P2, P3, P4)  # most urgent first
MAJOR_INCIDENT = P1


def is_major_incident(priority: str | None) -> bool:
    return priority == MAJOR_INCIDENT


def least_urgent(a: str, b: str) -> str:
    """The less urgent of two priorities."""
    return max(a, b, key=PRIORITIES.index)
