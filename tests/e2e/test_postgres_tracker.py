"""TRACKER_DB_URL moves conversations to PostgreSQL: a real server, started here on loopback."""

from __future__ import annotations

import uuid
from pathlib import Path

import requests

from bot.launcher import Stack, free_port
from tests.postgres import PostgresServer


def test_conversations_are_kept_in_postgresql(postgres: PostgresServer, tmp_path: Path) -> None:
    postgres_url = postgres.create_database("askit")
    stack = Stack(
        rasa_port=free_port(),
        action_port=free_port(),
        log_dir=tmp_path / "logs",
        extra_env={"TRACKER_DB_URL": postgres_url, "ASKIT_LOCAL_DESK_DB": str(tmp_path / "desk.sqlite")},
    )
    sender = f"pg-{uuid.uuid4().hex[:8]}"
    stack.start()
    try:
        reply = requests.post(
            f"{stack.rasa_url}/webhooks/rest/webhook",
            json={"sender": sender, "message": "I forgot my password"},
            timeout=60,
        ).json()
    finally:
        stack.stop()
    assert {"decision": "answer", "article_id": "password-reset"} in [m.get("custom") for m in reply]
    count = f"SELECT count(*) FROM events WHERE sender_id = '{sender}' AND type_name = 'user'"
    assert postgres.query("askit", count) == "1"
