"""TRACKER_DB_URL moves conversations to PostgreSQL: a real server, started here on loopback."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
import requests

from bot.launcher import Stack, free_port
from tests.e2e.conftest import REST_TOKEN, REST_TOKEN_SETTING
from tests.postgres import PostgresServer

pytestmark = pytest.mark.own_stack  # starts servers of its own: the second end-to-end process


def test_conversations_are_kept_in_postgresql(postgres: PostgresServer, tmp_path: Path) -> None:
    postgres_url = postgres.create_database("askit")
    stack = Stack(
        rasa_port=free_port(),
        action_port=free_port(),
        log_dir=tmp_path / "logs",
        extra_env={
            "TRACKER_DB_URL": postgres_url,
            "ASKIT_LOCAL_DESK_DB": str(tmp_path / "desk.sqlite"),
            REST_TOKEN_SETTING: REST_TOKEN,
        },
    )
    sender = f"pg-{uuid.uuid4().hex[:8]}"

    def post(data: bytes) -> requests.Response:
        headers = {"Authorization": f"Bearer {REST_TOKEN}", "Content-Type": "application/json"}
        return requests.post(f"{stack.rasa_url}/webhooks/rest/webhook", data=data, headers=headers, timeout=60)

    def say(who: str, text: str) -> list[dict[str, Any]]:
        reply: list[dict[str, Any]] = post(f'{{"sender": "{who}", "message": "{text}"}}'.encode()).json()
        return reply

    stack.start()
    try:
        # Issue 10, finding 1: PostgreSQL refuses a NUL in text, and Rasa's store then stopped the server.
        assert post(rb'{"sender": "pg\u0000nul", "message": "hi \u0000 there"}').status_code == 200
        assert post(rb'{"sender": "pg\udfff", "message": "hi"}').status_code == 200
        reply = say(sender, "I forgot my password")
        say(sender, "my password is Hunter22! and it still fails")
        assert stack.first_exited() is None
    finally:
        stack.stop()
    assert {"decision": "answer", "article_id": "password-reset"} in [m.get("custom") for m in reply]
    count = f"SELECT count(*) FROM events WHERE sender_id = '{sender}' AND type_name = 'user'"
    assert postgres.query("askit", count) == "2"
    assert postgres.query("askit", "SELECT count(*) FROM events WHERE data LIKE '%Hunter22%'") == "0"
