"""Choose a ticket's category, priority and resolver group (a first version: from the article)."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_CATEGORY = "general"
DEFAULT_PRIORITY = "P3"
DEFAULT_GROUP = "service-desk"


@dataclass(frozen=True)
class Triage:
    category: str
    priority: str
    resolver_group: str


def triage(category: str | None, group: str | None, priority: str | None) -> Triage:
    """From the escalation block of the article the user was on; service-desk defaults otherwise."""
    return Triage(
        category=category or DEFAULT_CATEGORY,
        priority=priority or DEFAULT_PRIORITY,
        resolver_group=group or DEFAULT_GROUP,
    )
