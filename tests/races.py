"""Two (or more) callers at the same moment, as two servers would be: each call on its own thread
with its own store on the one database, released together at a barrier. The stores' concurrency
tests (tests/handoff, tests/incidents) race their transitions with these."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

S = TypeVar("S")
R = TypeVar("R")


def together(open_store: Callable[[], S], *calls: Callable[[S], R]) -> list[R | Exception]:
    """Each call with a store of its own, released at once; what each returned or raised."""
    stores = [open_store() for _ in calls]
    barrier = threading.Barrier(len(calls))

    def run(i: int) -> R | Exception:
        barrier.wait()
        try:
            return calls[i](stores[i])
        except Exception as exc:
            return exc

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, range(len(calls))))


def one_wins(results: list[R | Exception]) -> tuple[R, Exception]:
    """The one winner and the one refusal of a race of two."""
    winners = [r for r in results if not isinstance(r, Exception)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == len(losers) == 1, results
    return winners[0], losers[0]


def returned(results: list[R | Exception]) -> list[R]:
    """What each call returned, none having raised."""
    assert not any(isinstance(r, Exception) for r in results), results
    return [r for r in results if not isinstance(r, Exception)]
