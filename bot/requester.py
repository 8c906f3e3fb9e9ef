"""Who is asking: the value both the channels' identity code and the service desks use.

Neutral on purpose: the Rasa server's channels (through bot/identity.py) and the action server's
desk adapters both need it, and importing it must load neither side's machinery.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Requester:
    """Who a ticket is for. ``id`` is stable per person (a verified identity or a channel sender);
    ``tenant`` is the partner organisation (council) they belong to, when known."""

    id: str
    email: str | None = None
    name: str | None = None
    tenant: str | None = None
