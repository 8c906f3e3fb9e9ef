"""Two callers at the same moment (bot/incidents/store.py), on SQLite and a real PostgreSQL: each
thread has its own store on the one database, as two servers would, and they start together at a
barrier. Of two resolves one wins and one change is recorded; two presses of "I'm affected too"
count once; of two updates of the same version one wins; two polls of a new feed incident make one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from bot.incidents.errors import IncidentResolved, StaleVersion
from bot.incidents.models import Incident
from bot.incidents.store import IncidentStore
from bot.requester import Requester
from tests import races
from tests.incidents.conftest import MINUTE, T0, VPN, declared
from tests.races import one_wins, returned

R = TypeVar("R")

ROUNDS = 5  # each round a fresh race: more chances for the two to overlap


def together(location: str, *calls: Callable[[IncidentStore], R]) -> list[R | Exception]:
    return races.together(lambda: IncidentStore.open(location), *calls)


def resolving(incident_id: str, text: str) -> Callable[[IncidentStore], Incident]:
    return lambda store: store.resolve(incident_id, now=T0 + MINUTE, text=text)


def updating(incident_id: str, **changes: Any) -> Callable[[IncidentStore], Incident]:
    return lambda store: store.update(incident_id, 1, now=T0 + MINUTE, **changes)


def pressing(incident_id: str, user: str, channel: str, at: float) -> Callable[[IncidentStore], tuple[int, bool]]:
    return lambda store: store.affected(incident_id, Requester(user, tenant="riverside"), channel, at)


def polling(feed_id: str) -> Callable[[IncidentStore], tuple[Incident, bool]]:
    return lambda store: store.upsert_from_feed("statuspage", feed_id, VPN, T0)


def test_of_two_resolves_at_once_one_wins_and_one_change_is_recorded(location: str) -> None:
    store = IncidentStore.open(location)
    for round in range(ROUNDS):
        incident = declared(store, T0 + round)
        results = together(
            location,
            resolving(incident.id, "Fixed (Alex)"),
            resolving(incident.id, "Fixed (Bea)"),
        )
        winner, loser = one_wins(results)
        assert isinstance(loser, IncidentResolved) and "resolved already" in str(loser)
        changes = store.changes_after(incident.id, 1)
        assert [(c.version, c.status) for c in changes] == [(2, "resolved")] and store.get(incident.id) == winner


def test_of_two_updates_of_one_version_one_wins(location: str) -> None:
    store = IncidentStore.open(location)
    for round in range(ROUNDS):
        incident = declared(store, T0 + round)
        results = together(
            location,
            updating(incident.id, status="identified"),
            updating(incident.id, summary="Only staff at home are affected."),
        )
        winner, loser = one_wins(results)
        assert isinstance(loser, StaleVersion) and store.get(incident.id) == winner and winner.version == 2


def test_two_presses_of_affected_at_once_count_once(location: str) -> None:
    store = IncidentStore.open(location)
    incident = declared(store)
    for round in range(ROUNDS):
        user = f"aad-{round}"
        results = together(
            location,
            pressing(incident.id, user, "webchat", T0 + round),
            pressing(incident.id, user, "msteams", T0 + round),
        )
        assert sorted(returned(results)) == [(round + 1, False), (round + 1, True)]
    assert len(store.affected_users(incident.id)) == ROUNDS


def test_two_polls_of_a_new_feed_incident_at_once_make_one(location: str) -> None:
    for round in range(ROUNDS):
        results = returned(together(location, polling(f"sp-{round}"), polling(f"sp-{round}")))
        assert len({incident.id for incident, _ in results}) == 1
        assert sorted(created for _, created in results) == [False, True]
