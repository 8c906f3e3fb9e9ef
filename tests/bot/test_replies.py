from __future__ import annotations

import re

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


def test_the_desk_line_says_the_urgent_number_only_when_closed() -> None:
    open_line = replies.DeskLine("01632 960000", True, "open now, until 18:00", "01632 960999")
    closed = replies.DeskLine("01632 960000", False, "closed now; it opens at 08:00 tomorrow", "01632 960999")
    assert open_line.sentence() == "the service desk is on **01632 960000** (open now, until 18:00)"
    assert closed.sentence() == (
        "the service desk's phone line, **01632 960000**, is closed now; it opens at 08:00 tomorrow; for an "
        "emergency affecting many people, the urgent line is **01632 960999**"
    )
    assert "pick it up when they open" in replies.person(closed, offer_ticket=True)["text"]


def test_the_feedback_buttons_use_the_words_the_articles_ask_for() -> None:
    """One vocabulary: the articles say tell me "that didn't help", and so does the button."""
    from bot.paths import ARTICLES_DIR

    assert [b["title"] for b in replies.answer("a", "T", "b")["buttons"]] == [
        "Yes, that helped",
        "No, that didn't help",
    ]
    for path in ARTICLES_DIR.rglob("*.md"):
        text = path.read_text(encoding="utf-8")
        assert "still need help" not in text.lower(), path
        for quoted in re.findall(r'tell me "([^"]+)"', text):
            assert quoted in ("that didn't help",) or not quoted.lower().startswith(("no", "that didn", "it didn")), (
                path
            )


def test_a_ticket_confirmation_says_who_has_it_and_when_to_expect_them() -> None:
    routed = replies.Routed("P3", "end-user-computing", "within 1 working day")
    text = replies.ticket_created("INC0012345", None, routed)["text"]
    assert "**INC0012345**" in text
    assert (
        "with the End User Computing team as priority P3, so expect someone to pick it up within 1 working day" in text
    )
    major = replies.ticket_created("INC1", None, replies.Routed("P1", "major-incident", "within 30 minutes"))
    assert major["custom"]["major_incident"] and "major-incident team" in major["text"]


def test_the_confirmation_says_how_the_person_will_hear_back() -> None:
    called = replies.ticket_created("INC1", None, replies.Routed("P3", "network", None, "07700 900123"))
    assert "They'll call you on 07700 900123" in called["text"]
    mailed = replies.ticket_recorded("ASKIT-1", replies.Routed("P3", "network"))
    assert "They'll reply by e-mail" in mailed["text"]


def test_each_detail_the_desk_needs_can_be_skipped_and_a_new_problem_can_start_again() -> None:
    ask = replies.ask_detail("asset_tag")
    assert ask["buttons"] == [{"title": "Don't know", "payload": "/skip_detail"}]
    assert ask["custom"] == {"flow": "ticket_offer", "step": "asset_tag"}
    again = replies.start_again("printer jammed", "Clear a paper jam")
    assert [b["title"] for b in again["buttons"]] == ["Yes, start again with this", "No, raise the ticket", "Cancel"]
    facet = replies.facet_choice("Which device is it on?", "device", [("a", "Phone or tablet")])
    assert facet["custom"] == {"decision": "clarify", "candidates": ["a"], "facet": "device"}


def test_a_status_line_says_what_is_known_and_nothing_more() -> None:
    full = replies.TicketLine("INC1", "in progress", "vpn drops", "the Network team", "30 Nov at 14:05")
    assert full.sentence() == '- INC1: in progress, "vpn drops" (with the Network team; last updated 30 Nov at 14:05)'
    assert replies.TicketLine("INC2", "new", "printer").sentence() == '- INC2: new, "printer"'
    replied = replies.TicketLine("INC3", "open", "laptop", reply="A loan laptop\n is ready. " * 40, replied="1 Dec")
    first, second = replied.sentence().splitlines()
    assert first == '- INC3: open, "laptop"'
    assert second.startswith('  Latest from the service desk (1 Dec): "A loan laptop is ready. A loan')
    assert len(second) < replies.MAX_REPLY_CHARS + 50 and second.endswith('…"')


@pytest.mark.parametrize(
    "name,first",
    [
        ("Robin Example", "Robin"),
        ("Example, Robin", "Robin"),  # as council directories often write it
        ("  Amélie   Dupont ", "Amélie"),
        ("robin.example@riverside.example", None),
        ("", None),
        (None, None),
        ("12345", None),
        ("Example,", None),
        ("O'Neill-Smith, Siân", "Siân"),
        ("**Bob** Example", None),  # nothing a channel's Markdown would read
        ("[Bob](https://x.example) Example", None),
    ],
)
def test_the_welcome_greets_by_the_first_name_when_there_is_one(name: str | None, first: str | None) -> None:
    assert replies.first_name(name) == first


def test_the_welcome_offers_the_starter_topics_as_choices_that_answer_with_their_article() -> None:
    starters = [("vpn-connect", "VPN or remote access will not connect"), ("password-reset", "Reset a password")]
    hello = replies.welcome((("inc-1", "Email delayed", "Mail is slow."),), starters, "Robin")
    assert hello["text"].startswith("**Known problem: Email delayed.** Mail is slow.\n\nHello Robin, I'm AskIT")
    assert hello["buttons"] == [
        {"title": "VPN or remote access will not connect", "payload": '/choose_article{"article_id":"vpn-connect"}'},
        {"title": "Reset a password", "payload": replies.choose_article_payload("password-reset")},
    ]
    assert hello["custom"] == {"flow": "welcome", "incidents": ["inc-1"], "starters": ["vpn-connect", "password-reset"]}
    plain = replies.welcome()  # no topics to offer: examples of what to ask, said as a person would
    assert plain["text"].startswith("Hello, I'm AskIT") and plain["custom"] == {"flow": "welcome"}
    assert plain["buttons"][0] == {"title": "I forgot my password", "payload": "I forgot my password"}
