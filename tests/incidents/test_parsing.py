"""What a person types about an incident (bot/incidents/parsing.py), as the command line and the
console's form both read it: the desk's clock, lists, and text without control characters."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.incidents.errors import InvalidIncident
from bot.incidents.parsing import changes, declaration, desk_input, desk_time, items, lines, typed

UTC = dt.timezone.utc


@pytest.mark.parametrize(
    "text, utc",
    [
        ("2026-12-01T10:00", dt.datetime(2026, 12, 1, 10, tzinfo=UTC)),  # London's winter: UTC
        ("2026-07-01T10:00", dt.datetime(2026, 7, 1, 9, tzinfo=UTC)),  # London's summer: UTC+1
        ("2026-07-01T10:00+02:00", dt.datetime(2026, 7, 1, 8, tzinfo=UTC)),  # an offset is believed
        (" 2026-12-01T10:00 ", dt.datetime(2026, 12, 1, 10, tzinfo=UTC)),
    ],
)
def test_a_time_is_on_the_desks_clock_unless_it_says_otherwise(text: str, utc: dt.datetime) -> None:
    assert desk_time(text, "next_update_at") == utc.timestamp()


def test_a_time_shown_in_a_form_reads_back_as_the_same_time() -> None:
    for at in (
        dt.datetime(2026, 12, 1, 10, tzinfo=UTC).timestamp(),
        dt.datetime(2026, 7, 1, 9, tzinfo=UTC).timestamp(),
    ):
        assert desk_time(desk_input(at), "t") == at
    assert desk_input(dt.datetime(2026, 7, 1, 9, tzinfo=UTC).timestamp()) == "2026-07-01T10:00"
    assert desk_input(None) == "" and desk_time("", "t") is None and desk_time(None, "t") is None


@pytest.mark.parametrize("text", ["tomorrow", "2026-13-01T10:00", "10:00", "x" * 10_000])
def test_a_time_that_is_not_one_names_the_field(text: str) -> None:
    with pytest.raises(InvalidIncident, match=r"^--next-update: must be a date and time, YYYY-MM-DDTHH:MM") as raised:
        desk_time(text, "--next-update")
    assert raised.value.field == "--next-update" and len(str(raised.value)) < 300  # what was typed, cut short


def test_typed_text_has_one_kind_of_line_end_and_no_control_characters() -> None:
    assert typed("summary", "one\r\ntwo\rthree\n\tfour") == "one\ntwo\nthree\n\tfour"
    assert typed("summary", None) is None
    for char in ("\x00", "\x1b", "\x7f", "\x85", "\x0b"):
        with pytest.raises(InvalidIncident, match=r"^summary: must not contain control characters"):
            typed("summary", f"it is{char}down")


def test_lines_and_items_leave_out_empty_ones() -> None:
    assert lines("  vpn down \r\n\r\n\n can't connect \n") == ("vpn down", "can't connect")
    assert items(" VPN, , Citrix ,") == ("VPN", "Citrix")
    assert lines("") == () and items("") == ()


def test_a_declaration_names_the_question_with_a_control_character() -> None:
    with pytest.raises(InvalidIncident) as raised:
        declaration(title="VPN", summary="Down.", questions=["vpn down", "vpn\x00"], councils=["all"])
    assert raised.value.field == "questions[1]"
    fields = declaration(
        title="VPN", summary="Down.", questions=["vpn down"], councils=["all"], status_text="identified"
    )
    assert (fields.status, fields.questions, fields.next_update_at) == ("identified", ("vpn down",), None)


def test_an_update_leaves_what_was_not_said_as_it_is() -> None:
    nothing = changes(status_text=None, summary=None, workaround=None, next_update=None, text=None)
    assert nothing == {"status": None, "summary": None, "workaround": None, "next_update_at": None, "text": None}
    with pytest.raises(InvalidIncident, match=r"^status: must be one of"):
        changes(status_text="fixed", summary=None, workaround=None, next_update=None, text=None)
