"""Fixtures shared across the test tree."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.postgres import PostgresServer
from tests.redis_server import RedisServer
from tests.servicedesk.rt_instance import RTInstance, start_rt

if TYPE_CHECKING:
    from bot.knowledge.embedding import SentenceTransformerEmbedder


@pytest.fixture(scope="session")
def request_tracker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RTInstance]:
    """A real Request Tracker 5 (Debian's packages, SQLite) on loopback, with AskIT's initial data."""
    rt = start_rt(tmp_path_factory.mktemp("request-tracker"))
    yield rt
    rt.stop()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """A real Redis on loopback (Debian's redis-server); each test file keeps to its own database
    number, or its own keys."""
    server = RedisServer()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A real PostgreSQL server on loopback; tests create their own databases in it."""
    server = PostgresServer()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a test's database lives (bot/sql.py): a SQLite file, or a fresh database in a real PostgreSQL."""
    if request.param == "sqlite":
        return str(tmp_path / "askit.sqlite")
    postgres: PostgresServer = request.getfixturevalue("postgres")
    return postgres.create_database(f"askit_{uuid.uuid4().hex[:12]}")


@pytest.fixture(scope="session")
def real_embedder() -> SentenceTransformerEmbedder:
    """The real all-MiniLM-L6-v2, shared by every test that needs real scores: it loads (about 2 s)
    and hashes its 90 MB of weights once per run. Imported here, not at the top: the Rasa
    environment's tests load this file too."""
    from bot.knowledge.embedding import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder()
