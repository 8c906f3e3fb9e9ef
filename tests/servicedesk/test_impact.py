"""Impact and urgency from a user's words, and the priority they make (bot/servicedesk/impact.py)."""

from __future__ import annotations

import pytest

from bot.servicedesk.impact import HIGH, LOW, MEDIUM, answer_levels, assess, priority_for


@pytest.mark.parametrize(
    "impact,urgency,priority",
    [
        (HIGH, HIGH, "P1"),
        (HIGH, MEDIUM, "P2"),
        (MEDIUM, HIGH, "P2"),
        (LOW, HIGH, "P3"),
        (LOW, MEDIUM, "P3"),
        (HIGH, LOW, "P3"),
        (MEDIUM, LOW, "P4"),
        (LOW, LOW, "P4"),
    ],
)
def test_the_matrix(impact: str, urgency: str, priority: str) -> None:
    assert priority_for(impact, urgency) == priority


@pytest.mark.parametrize(
    "text,impact,urgency",
    [
        ("nobody in the office can print and the committee papers have to go out today", HIGH, HIGH),
        ("my colleague and I can't open the shared mailbox, we're using webmail for now", MEDIUM, MEDIUM),
        ("laptop won't turn on at all, I can't do any work", None, HIGH),
        ("how do I add a printer?", None, LOW),
        ("my second monitor flickers", None, None),
        ("everyone else can print except me", None, None),
    ],
)
def test_what_the_words_say(text: str, impact: str | None, urgency: str | None) -> None:
    said = assess(text)
    assert (said.impact, said.urgency) == (impact, urgency)


@pytest.mark.parametrize(
    "answer,levels",
    [
        ("Just me, I can work around it", (LOW, MEDIUM)),
        ("Many people or a whole service", (HIGH, HIGH)),
        ("only me and I can't work at all", (LOW, HIGH)),
        ("the whole team", (HIGH, MEDIUM)),
        ("dunno", None),
    ],
)
def test_answers_to_how_bad_is_it(answer: str, levels: tuple[str, str] | None) -> None:
    assert answer_levels(answer) == levels


def test_every_button_the_bot_offers_has_an_answer() -> None:
    import yaml

    from bot.paths import ROOT

    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    buttons = domain["responses"]["utter_ask_ticket_impact"][0]["buttons"]
    assert len(buttons) == 4 and all(answer_levels(b["payload"]) is not None for b in buttons)
