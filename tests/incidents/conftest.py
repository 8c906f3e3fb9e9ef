"""An incident store on each database AskIT supports (the ``location`` fixture: SQLite and a real
PostgreSQL), a fixed clock and a typical declaration, so each test says only what it is about."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from bot.incidents.models import Incident, IncidentFields
from bot.incidents.store import IncidentStore

T0 = 1_796_000_000.0  # Monday 30 November 2026, 00:53 UTC: every test's "now" counts from here
MINUTE = 60.0
VPN = IncidentFields(
    title="VPN unavailable",
    summary="The VPN will not connect from home; the office network is fine.",
    questions=("vpn not connecting", "I can't get on the VPN from home"),
    councils=("riverside", "northbrook"),
    services=("VPN",),
)


@pytest.fixture
def store(location: str) -> IncidentStore:
    return IncidentStore.open(location)


def declared(store: IncidentStore, now: float = T0, **changes: Any) -> Incident:
    """The VPN incident (with ``changes``), declared from the command line at ``now``."""
    return store.declare(replace(VPN, **changes), source="cli", now=now)
