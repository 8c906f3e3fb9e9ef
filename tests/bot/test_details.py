from __future__ import annotations

import pytest

from bot.details import DETAILS, MAX_DETAIL_CHARS, detail_value, still_needed

WANTED = ("asset_tag", "location", "contact_number", "error_text")


@pytest.mark.parametrize(
    "said,needed",
    [
        ([], list(WANTED)),
        (["my asset number is AT-40921"], ["location", "contact_number", "error_text"]),
        (["asset tag 123456, call me on 07700 900123"], ["location", "error_text"]),
        (["ring me on +44 1632 960401"], ["asset_tag", "location", "error_text"]),
        (["it says error 0x80070005"], list(WANTED)),  # an error code is not a phone number
    ],
)
def test_only_details_the_conversation_does_not_give_are_asked_for(said: list[str], needed: list[str]) -> None:
    assert still_needed(WANTED, said) == needed


def test_unknown_details_are_never_asked_and_answers_are_one_capped_line() -> None:
    assert still_needed(("serial", "location"), []) == ["location"]
    assert detail_value("  Floor 2,\n room 2.14 ") == "Floor 2, room 2.14"
    assert detail_value("x" * 5000) == "x" * MAX_DETAIL_CHARS
    assert detail_value("   ") is None and detail_value(None) is None
    assert all(d.question.endswith("?") or d.question.endswith(".") for d in DETAILS.values())
