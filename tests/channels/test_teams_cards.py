"""The cards AskIT sends in Teams (bot/channels/teams_cards.py), as JSON; how Teams draws them is
tests/e2e/test_teams_cards.py."""

from __future__ import annotations

import json
from typing import Any

from bot import replies
from bot.channels.teams_cards import (
    BUTTON_PX,
    CHAR_PX,
    GAP_PX,
    MAX_CARD_BYTES,
    PAYLOAD_KEY,
    REST_ID,
    ROW_PX,
    Used,
    button_title,
    card,
    interactive,
    markdown_text,
)
from bot.priority import MAJOR_INCIDENT
from tests.cards import of_type, walk


def link(article_id: str) -> str:
    return f"https://askit.example/articles/{article_id}"




def drawn(message: replies.Reply, used: Used | None = None, article_link: Any = link) -> dict[str, Any]:
    shown = card(dict(message), article_link, used)
    assert shown is not None and shown["type"] == "AdaptiveCard" and shown["version"] == "1.5"
    assert "actions" not in shown  # card-level actions are one row Teams never wraps
    return shown


def test_an_answer_is_its_title_its_steps_then_did_this_help_with_short_buttons() -> None:
    answer = replies.answer("vpn-connect", "Connect to the VPN", "1. Open **GlobalProtect**.\n2. Sign in.", False)
    body = drawn(answer)["body"]
    assert (body[0]["text"], body[0]["style"]) == ("Connect to the VPN", "heading")
    assert [b["type"] for b in body[1:3]] == ["ColumnSet", "ColumnSet"]
    assert body[3]["text"] == "Did this help?"
    yes, no, more = of_type(body[4:], "Action.Submit")
    assert [(a["title"], a["data"]["msteams"]["displayText"], a["data"][PAYLOAD_KEY]) for a in (yes, no, more)] == [
        ("Yes", "Yes, that helped", "/helped"),
        ("No", "No, that didn't help", "/not_helped"),
        ("All steps", "Show all steps", replies.show_all_payload("vpn-connect")),
    ]
    assert yes["data"]["msteams"] == {
        "type": "messageBack",
        "displayText": "Yes, that helped",
        "text": "/helped",
        "value": {PAYLOAD_KEY: "/helped"},
    }
    [page] = of_type(body, "Action.OpenUrl")
    assert page == {"type": "Action.OpenUrl", "title": "Open article", "url": link("vpn-connect")}


def test_an_article_without_a_page_gets_no_link() -> None:
    answer = replies.answer("walk-in-riverside", "Walk-in desk", "Or see [the VPN guide](kb:vpn-connect).")
    shown = drawn(answer, article_link=lambda article_id: None)
    assert shown["body"][1]["text"] == "Or see the VPN guide."
    assert not of_type(shown, "Action.OpenUrl")


def test_a_long_answer_folds_what_is_past_the_first_screen() -> None:
    body = "Intro line.\n\n## Steps\n\n" + "\n".join(f"{i}. Do step {i} " + "carefully " * 8 for i in range(1, 12))
    shown = drawn(replies.answer("long", "Long", body))["body"]
    ids = [e.get("id") for e in shown]
    rest = shown[ids.index(REST_ID)]
    assert rest["isVisible"] is False and rest["items"]
    toggle = shown[ids.index(REST_ID) - 1]["actions"][0]
    assert toggle["type"] == "Action.ToggleVisibility" and REST_ID in toggle["targetElements"]
    assert ids.index(REST_ID) < [e.get("text") for e in shown].index("Did this help?")  # feedback not folded
    visible = shown[1 : ids.index(REST_ID) - 1]
    assert visible[-1].get("weight") != "Bolder"  # a heading is never left above the fold on its own


def test_a_short_answer_is_not_folded() -> None:
    shown = drawn(replies.answer("short", "Short", "Restart the laptop.\n\nThen sign in again."))
    assert not [e for e in walk(shown) if e.get("id") == REST_ID]


def test_a_huge_article_is_cut_to_fit_teams_and_says_so() -> None:
    body = "\n\n".join(f"Paragraph {i}: " + "words " * 60 for i in range(200))
    shown = drawn(replies.answer("huge", "Huge", body))
    assert len(json.dumps(shown, ensure_ascii=False).encode()) <= MAX_CARD_BYTES
    rest = next(e for e in walk(shown) if e.get("id") == REST_ID)
    assert rest["items"][-1]["text"] == "…the rest is in the full article."


def test_choices_are_clickable_rows_not_buttons() -> None:
    choice = replies.clarify([("printer-add", "Add a printer"), ("printing-follow-me", "Follow-me printing")])
    shown = drawn(choice)
    assert shown["body"][0]["text"] == choice["text"]
    rows = shown["body"][1:]
    assert [r["items"][0]["text"] for r in rows] == ["Add a printer", "Follow-me printing", "None of these"]
    assert all(r["items"][0]["wrap"] for r in rows)
    assert [r["selectAction"]["data"][PAYLOAD_KEY] for r in rows] == [b["payload"] for b in choice["buttons"]]
    assert not of_type(shown, "ActionSet")


def test_a_used_choice_shows_what_was_chosen_and_nothing_to_press() -> None:
    choice = replies.clarify([("printer-add", "Add a printer"), ("printing-follow-me", "Follow-me printing")])
    shown = drawn(choice, Used("Follow-me printing"))
    assert not of_type(shown, "Action.Submit")
    rows = [r["items"][0]["text"] for r in shown["body"][1:]]
    assert rows == ["Add a printer", "✓ Follow-me printing", "None of these"]


def test_a_closed_card_says_why_its_buttons_went() -> None:
    answer = replies.answer("vpn-connect", "Connect to the VPN", "Open GlobalProtect.")
    shown = drawn(answer, Used())
    assert not of_type(shown, "Action.Submit") and of_type(shown, "Action.OpenUrl")  # the page still opens
    assert "conversation has moved on" in shown["body"][-2]["text"]
    escalate = drawn(replies.escalate(), Used("Yes"))
    assert not of_type(escalate, "Action.Submit") and escalate["body"][-1]["text"] == "✓ Yes"


def test_the_welcome_and_the_areas_are_rows_too() -> None:
    for message in (replies.welcome(), replies.narrow()):
        rows = [e for e in drawn(message)["body"] if "selectAction" in e]
        assert [r["selectAction"]["data"][PAYLOAD_KEY] for r in rows] == [b["payload"] for b in message["buttons"]]


def test_buttons_are_packed_in_rows_that_fit_a_phone() -> None:
    offer = replies.start_again("Outlook keeps asking for my password", "Outlook keeps asking for a password")
    rows = of_type(drawn(offer), "ActionSet")
    assert [[a["title"] for a in r["actions"]] for r in rows] == [
        ["Yes, start again with this"],
        ["No, raise the ticket"],
        ["Cancel"],
    ]
    for row in rows:
        assert sum(len(a["title"]) * CHAR_PX + BUTTON_PX + GAP_PX for a in row["actions"]) - GAP_PX <= ROW_PX


def test_a_ticket_card_shows_the_reference_the_team_and_a_button_for_the_page() -> None:
    url = "https://desk.example/ticket?id=INC0012345&view=(full)"
    created = replies.ticket_created("INC0012345", url, replies.Routed("3", "end-user-computing", "within 1 day"))
    shown = drawn(created)
    heading, ref, facts, *rest = shown["body"]
    assert heading["text"] == "Ticket raised" and (ref["text"], ref["weight"]) == ("INC0012345", "Bolder")
    assert facts["facts"] == [
        {"title": "Team", "value": "End User Computing"},
        {"title": "Priority", "value": "3"},
        {"title": "Response", "value": "within 1 day"},
    ]
    assert of_type(shown, "Action.OpenUrl") == [{"type": "Action.OpenUrl", "title": "Open ticket", "url": url}]
    said = " ".join(e.get("text", "") for e in rest)
    assert "desk.example" not in said and "reply by e-mail" in said and "what's happening with INC0012345" in said
    major = drawn(replies.ticket_created("INC1", None, replies.Routed(MAJOR_INCIDENT, "network")))
    assert {"title": "Priority", "value": f"{MAJOR_INCIDENT} (major incident)"} in major["body"][2]["facts"]
    assert not of_type(major, "Action.OpenUrl")


def test_plain_replies_are_markdown_text_and_lists_are_cards() -> None:
    assert card({"text": "OK, I won't raise a ticket."}, link) is None
    assert markdown_text("Call **01632 960000**.\n<b>x</b> [a](kb:vpn-connect)", link) == (
        f"Call **01632 960000**.\n\nx [a]({link('vpn-connect')})"
    )
    lines = [replies.TicketLine("INC1", "Open", "VPN drops")]
    assert card(dict(replies.ticket_status(lines, None)), link) is not None


def test_what_a_press_chose() -> None:
    answer = dict(replies.answer("vpn-connect", "Connect to the VPN", "Open GlobalProtect."))
    assert interactive(answer) and not interactive({"text": "hi"})
    assert button_title(answer, "/not_helped") == "No, that didn't help"
    assert button_title(answer, "/affirm") is None
