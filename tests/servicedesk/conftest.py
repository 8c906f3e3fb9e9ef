from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tests.postgres import PostgresServer


@pytest.fixture(params=["sqlite", "postgresql"])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a test's outbox lives: a SQLite file, or a fresh database in a real PostgreSQL."""
    if request.param == "sqlite":
        return str(tmp_path / "outbox.sqlite")
    postgres: PostgresServer = request.getfixturevalue("postgres")
    return postgres.create_database(f"outbox_{uuid.uuid4().hex[:12]}")
