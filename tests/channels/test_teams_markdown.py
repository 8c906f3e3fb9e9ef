"""Article Markdown -> Teams' subset (bot/channels/teams_markdown.py), without a browser; the
browser test (tests/e2e/test_teams_cards.py) draws the result as Teams does."""

from __future__ import annotations

from typing import Any

import pytest

from bot.channels.teams_markdown import BULLET, elements, inline, plain_text


def link(article_id: str) -> str | None:
    return f"https://askit.example/articles/{article_id}" if article_id != "council-only" else None


def texts(found: list[dict[str, Any]]) -> list[str]:
    """Every text in ``found``, depth first, markers included."""
    out: list[str] = []
    for element in found:
        if element["type"] == "TextBlock":
            out.append(element["text"])
        elif element["type"] == "RichTextBlock":
            out.extend(run["text"] for run in element["inlines"])
        elif element["type"] == "ColumnSet":
            for column in element["columns"]:
                out.extend(texts(column["items"]))
    return out


def test_a_heading_is_a_bold_line_and_paragraph_lines_stay_lines() -> None:
    heading, first, second = elements("## Try this first\n\nRestart the laptop.\nThen sign in.", link)
    assert (heading["text"], heading["weight"]) == ("Try this first", "Bolder")
    assert first["text"] == "Restart the laptop." and second == {
        "type": "TextBlock",
        "text": "Then sign in.",
        "wrap": True,
        "spacing": "None",
    }


def test_lists_are_columns_with_the_number_where_no_client_reads_markdown() -> None:
    text = "1. Open **Settings**.\n2. Choose one:\n   - **Wi-Fi**: the network\n   - VPN\n   continued\n3. Done."
    found = elements(text, link)
    assert [e["type"] for e in found] == ["ColumnSet"] * 3
    assert texts(found) == [
        "1.", "Open **Settings**.",
        "2.", "Choose one:", BULLET, "**Wi-Fi**: the network", BULLET, "VPN", "continued",
        "3.", "Done.",
    ]  # fmt: skip
    marker = found[0]["columns"][0]["items"][0]
    assert marker["type"] == "RichTextBlock"  # a TextRun is never read as Markdown: "1." stays "1."


def test_a_list_counts_on_from_its_first_number() -> None:
    assert texts(elements("3. a\n1. b", link)) == ["3.", "a", "4.", "b"]


@pytest.mark.parametrize(
    ("written", "teams"),
    [
        ("type `\\\\print.sharedict.example` here", "type \\\\\\\\print.sharedict.example here"),
        ('names with `" * : < > ? / \\ |`', 'names with " \\* : < > ? / \\\\ |'),
        ("a \\*literal\\* star", "a \\*literal\\* star"),
        ("**bold** and *italic*", "**bold** and _italic_"),
        ("[the VPN guide](kb:vpn-connect)", "[the VPN guide](https://askit.example/articles/vpn-connect)"),
        ("[only here](kb:council-only)", "only here"),
        ("[bad](javascript:alert(1))", "\\[bad\\](javascript:alert(1))"),
        ("[site](https://a.example/x(1))", "[site](https://a.example/x%281))"),  # as the widget reads it
        ("[mail](mailto:desk@council.example)", "[mail](mailto:desk@council.example)"),
        ("<b>html</b> stays text", "<b>html</b> stays text"),
        ("1. at the start", "1\\. at the start"),
        ("- at the start", "\\- at the start"),
        ("snake_case_name", "snake\\_case\\_name"),
    ],
)
def test_inline_keeps_bold_italic_and_safe_links_and_the_rest_literal(written: str, teams: str) -> None:
    assert inline(written, link) == teams


def test_plain_text_is_shown_as_written() -> None:
    assert plain_text("Printers: *all* [floors] 2. c:\\temp") == "Printers: \\*all\\* \\[floors\\] 2. c:\\\\temp"
    assert plain_text("2. Second") == "2\\. Second"
