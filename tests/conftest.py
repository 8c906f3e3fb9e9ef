"""Fixtures shared across the test tree."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.postgres import PostgresServer
from tests.servicedesk.rt_instance import RTInstance, start_rt


@pytest.fixture(scope="session")
def request_tracker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RTInstance]:
    """A real Request Tracker 5 (Debian's packages, SQLite) on loopback, with AskIT's initial data."""
    rt = start_rt(tmp_path_factory.mktemp("request-tracker"))
    yield rt
    rt.stop()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A real PostgreSQL server on loopback; tests create their own databases in it."""
    server = PostgresServer()
    yield server
    server.stop()
