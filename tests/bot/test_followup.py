from __future__ import annotations

import pytest

from bot.followup import MAX_THREAD_CHARS, could_refine, joined, searchable


@pytest.mark.parametrize(
    "text,refines",
    [
        ("its on my laptop not my phone", True),
        ("what about on my phone?", True),
        ("for a visitor", True),
        ("I'm working from home", True),
        ("my iphone", True),
        # words of their own: a new question
        ("and teams keeps dropping calls", False),
        ("printer jammed", False),
        ("how do i book annual leave", False),
        ("still", False),  # nothing to place the question with
        ("", False),
        ("/choose_article", False),
        ("on my phone " + "and on my laptop " * 5, False),  # long enough to stand alone
    ],
)
def test_a_refinement_is_short_and_only_places_the_question(text: str, refines: bool) -> None:
    assert could_refine(text) is refines


def test_the_thread_takes_the_new_device_in_place_of_the_old() -> None:
    thread = joined("email not syncing on my phone", "what about on my laptop")
    assert thread == "email not syncing on my; what about on my laptop"
    assert "phone" not in searchable(thread)


def test_denied_words_are_not_searched_and_a_long_thread_keeps_its_latest_words() -> None:
    assert searchable("outlook asks for my password; its on my laptop not my phone") == (
        "outlook asks for my password its on my laptop"
    )
    long = joined("word " * 100, "on my phone")
    assert len(long) <= MAX_THREAD_CHARS and long.endswith("; on my phone")
