from __future__ import annotations

import pytest

from bot.vague import is_vague


@pytest.mark.parametrize(
    "text",
    [
        "it's broken",
        "it’s broken",
        "help",
        "HELP!!!",
        "can you help me",
        "not working",
        "its not working again",
        "still not working",
        "didn't work",
        "hi i have a problem",
        "urgent",
        "IT problem",
        "nothing works",
        "it is acting weird",
        "its brokn pls help",
        "something's wrong",
    ],
)
def test_messages_that_say_something_is_wrong_but_not_what_are_vague(text: str) -> None:
    assert is_vague(text)


@pytest.mark.parametrize(
    "text",
    [
        # something to search for
        "my laptop",
        "outlook not working",
        "can't log in",
        "printer broken",
        "wifi",
        "my laptop is playing up",
        # no trouble in them: yes, no, greetings and "it works now" keep their own meaning
        "no",
        "ok",
        "hi",
        "it's working now",
        "all working now",
        "that didn't help",
        "",
        "😀",
    ],
)
def test_a_message_that_names_a_thing_or_no_trouble_is_not_vague(text: str) -> None:
    assert not is_vague(text)
