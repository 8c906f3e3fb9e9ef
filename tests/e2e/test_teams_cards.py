"""Every kind of card AskIT sends in Teams, drawn by Microsoft's Adaptive Cards renderer with the
Teams light host config in headless Chromium at 320 px (a phone) and 450 px (desktop): nothing a
reader needs is cut off, an answer's "Did this help?" buttons are on its first screen, no Markdown
shows as raw text, and every button sends something the bot understands (tests/e2e/teams_render.py)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from bot.channels.teams_cards import PAYLOAD_KEY
from tests.cards import of_type
from tests.e2e.teams_render import ROOT, WIDTHS, TeamsRenderer, articles, card_of, catalogue, teams_renderer

FIRST_SCREEN_PX = 600
RAW_MARKDOWN = re.compile(r"`|\*\*|__|^\s*[-*+] |^\s*#|\\[\\`*_\[\]]", re.MULTILINE)
CARDS = [(kind, name, card_of(message, used)) for kind, name, message, used in catalogue()]


@pytest.fixture(scope="module")
def renderer() -> Iterator[TeamsRenderer]:
    with teams_renderer() as drawn:
        yield drawn


def test_every_kind_of_reply_is_in_the_catalogue() -> None:
    kinds = {kind for kind, _, card in CARDS if card is not None}
    assert kinds >= {"answer", "answer section", "clarify", "facet", "welcome", "narrow", "ticket offer", "ticket"}
    assert {name for kind, name, _ in CARDS if kind == "answer"} >= {a.id for a in articles()}


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_cards_read_at_a_glance(renderer: TeamsRenderer, width: int) -> None:
    faults: list[str] = []
    for kind, name, card in CARDS:
        if card is None:
            continue
        drawn = renderer.render(card, width)
        where = f"{kind} {name} at {width} px"
        faults += [f"{where}: the renderer says {p}" for p in drawn.problems]
        faults += [f"{where}: cut off: {text!r}" for text in drawn.cut]
        raw = RAW_MARKDOWN.search(drawn.text)
        if raw:
            faults.append(f"{where}: raw Markdown {raw.group(0)!r} in {drawn.text[max(0, raw.start() - 40) :][:80]!r}")
        feedback = [b for b in drawn.buttons if b["title"] in ("Yes", "No")]
        if kind.startswith("answer") and name not in ("closed", "used"):
            if len(feedback) != 2:
                faults.append(f"{where}: the feedback buttons are missing: {drawn.buttons}")
            elif max(b["bottom"] for b in feedback) > FIRST_SCREEN_PX:
                faults.append(f"{where}: 'Did this help?' ends {max(b['bottom'] for b in feedback):.0f} px down")
    assert not faults, "\n".join(faults)


def test_choices_are_rows_that_show_every_title_whole(renderer: TeamsRenderer) -> None:
    card = _card("clarify", "three longest titles")
    titles = [a.title for a in sorted(articles(), key=lambda a: len(a.title), reverse=True)[:3]]
    for width in WIDTHS.values():
        drawn = renderer.render(card, width)
        assert drawn.rows == [*titles, "None of these"]
        assert not drawn.cut and not drawn.buttons  # no action buttons: Teams would not wrap their titles


def test_a_unc_path_keeps_both_backslashes(renderer: TeamsRenderer) -> None:
    card = _card("answer", "printer-add")
    drawn = renderer.render(card, WIDTHS["mobile"])
    assert "Show more" in [b["title"] for b in drawn.buttons] or "\\\\print.sharedict.example" in drawn.text
    shown = renderer.page.evaluate(
        "() => { for (const b of document.querySelectorAll('#host button')) if (b.innerText.trim() === 'Show more')"
        " b.click(); return document.getElementById('host').innerText; }"
    )
    assert "\\\\print.sharedict.example" in shown


def test_a_ticket_card_shows_the_reference_in_bold_and_opens_the_ticket(renderer: TeamsRenderer) -> None:
    card = _card("ticket", "created")
    drawn = renderer.render(card, WIDTHS["mobile"])
    weight = renderer.page.evaluate(
        "() => getComputedStyle([...document.querySelectorAll('#host .ac-textBlock')]"
        ".find((e) => e.innerText.trim() === 'INC0012345')).fontWeight"
    )
    assert int(weight) >= 600
    assert [b["title"] for b in drawn.buttons] == ["Open ticket"]
    assert "https://" not in drawn.text  # the page is behind the button, not a raw URL
    assert "End User Computing" in drawn.text and "within 1 working day" in drawn.text


def test_a_used_card_has_no_buttons_left_that_reach_the_bot() -> None:
    for kind, name, card in CARDS:
        if card is not None and name in ("closed", "used", "one chosen"):
            assert not list(of_type(card, "Action.Submit")), f"{kind} {name}"


def test_every_button_sends_something_the_bot_understands() -> None:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    intents = {i if isinstance(i, str) else next(iter(i)) for i in domain["intents"]}
    known = {a.id for a in articles()}
    for kind, name, card in CARDS:
        for action in of_type(card, "Action.Submit"):
            data = action["data"]
            payload = data[PAYLOAD_KEY]
            assert data["msteams"]["text"] == payload and data["msteams"]["value"] == {PAYLOAD_KEY: payload}
            if payload.startswith("/"):
                intent, _, entities = payload[1:].partition("{")
                assert intent in intents, f"{kind} {name}: {payload}"
                if entities:
                    article_id = json.loads("{" + entities).get("article_id")
                    assert article_id in known, f"{kind} {name}: {payload}"
            else:
                assert payload.strip() and len(payload) < 200, f"{kind} {name}: {payload!r}"


def _card(kind: str, name: str) -> dict[str, Any]:
    card = next(c for k, n, c in CARDS if (k, n) == (kind, name))
    assert card is not None
    return card

