from __future__ import annotations

import pytest

from bot import replies


@pytest.mark.parametrize(
    "title,body",
    [
        ("Reset a forgotten password", "1. Go to the portal.\n\n2. Choose a new password."),
        ("Title with **stars**", "One line."),
        ("Short", "Ends with a question?\n\nDid this help? Not this one."),
    ],
)
def test_channels_can_take_an_answer_apart_again(title: str, body: str) -> None:
    assert replies.answer_parts(replies.answer("x", title, body)["text"]) == (title, body)


@pytest.mark.parametrize(
    "text", ["Hello", "**Title**", "**Title**\n\nbody without the question", "Title\n\nbody\n\nDid this help?"]
)
def test_other_texts_are_not_answers(text: str) -> None:
    assert replies.answer_parts(text) is None
