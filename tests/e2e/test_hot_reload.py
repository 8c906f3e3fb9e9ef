"""A knowledge editor adds, changes and deletes an article while the assistant runs: the bot
answers from the change within 5 seconds, with no restart and no Rasa retraining."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.e2e.conftest import Chat, custom
from tests.fakes import lockers_article
from tests.waiting import wait_until

DEADLINE_SECONDS = 5.0

ARTICLE = lockers_article()


def until(condition: Callable[[], bool], what: str) -> None:
    """Until ``condition()`` holds; fails the test after the deadline. Each look is a turn."""
    wait_until(condition, DEADLINE_SECONDS, what, interval=0.2)


def answer_to(chat: Chat, question: str) -> dict[str, Any]:
    return custom(chat.say(f"e2e-reload-{uuid.uuid4().hex[:8]}", question))


def test_an_editors_change_answers_within_five_seconds(chat: Chat) -> None:
    path: Path = chat.articles_dir / "devices" / "smart-lockers.md"
    question = "the locker app won't open my locker"
    assert answer_to(chat, question).get("article_id") != "smart-lockers"
    try:
        path.write_text(ARTICLE)
        until(lambda: answer_to(chat, question).get("article_id") == "smart-lockers", "the new article's answer")

        changed = "my locker pin code is not accepted"
        path.write_text(ARTICLE.replace("  - my smart locker is stuck shut\n", f"  - {changed}\n"))
        until(lambda: answer_to(chat, changed).get("article_id") == "smart-lockers", "the changed article's answer")
    finally:
        path.unlink(missing_ok=True)
    until(lambda: "smart-lockers" not in str(answer_to(chat, question)), "the deleted article to be gone")
