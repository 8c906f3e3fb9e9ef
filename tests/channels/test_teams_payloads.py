"""Teams activity <-> Rasa message translation, without a server."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot import replies
from bot.channels.inbound import MAX_TEXT_CHARS
from bot.channels.teams_payloads import (
    ADAPTIVE_CARD,
    MAX_STEPS_CHARS,
    PAYLOAD_KEY,
    conversation_ref,
    incoming_text,
    is_activity,
    message_activity,
    reply,
    teams_markdown,
    verified_identity,
)


def link(article_id: str) -> str:
    return f"https://askit.example/webhooks/webchat/articles/{article_id}"


USER = {"id": "29:1abc", "name": "Pat Jones", "aadObjectId": "aad-object-1"}
ACTIVITY = {
    "type": "message",
    "id": "1700000000001",
    "serviceUrl": "https://smba.trafficmanager.net/uk/",
    "channelId": "msteams",
    "from": USER,
    "conversation": {"id": "a:1xyz", "conversationType": "personal", "tenantId": "TENANT-1"},
    "recipient": {"id": "28:bot-app-id", "name": "AskIT"},
    "channelData": {"tenant": {"id": "TENANT-1"}},
}


@pytest.mark.parametrize(
    "changes,text",
    [
        ({"text": "  my vpn is down  "}, "my vpn is down"),
        ({"text": "<at>AskIT</at> my vpn is down"}, "my vpn is down"),
        # a clicked card button: its payload, however Teams delivers the value
        ({"text": "", "value": {PAYLOAD_KEY: "/helped"}}, "/helped"),
        ({"text": "/helped", "value": json.dumps({PAYLOAD_KEY: "/not_helped"})}, "/not_helped"),
        ({"value": {"other": "x"}, "text": "typed"}, "typed"),
        ({"value": "not json", "text": "typed"}, "typed"),
        ({}, ""),
        ({"text": "x" * 30_000}, "x" * MAX_TEXT_CHARS),
        ({"text": "hi \udfff"}, "hi ?"),
    ],
)
def test_what_rasa_reads(changes: dict[str, Any], text: str) -> None:
    assert incoming_text({**ACTIVITY, **changes}) == text


def test_identity_comes_from_the_verified_activity_and_the_members_api() -> None:
    member = {"id": "29:1abc", "aadObjectId": "aad-object-1", "email": "Pat.Jones@Riverside.example", "name": "Pat J"}
    assert verified_identity(ACTIVITY, member) == {
        "id": "aad-object-1",
        "email": "Pat.Jones@Riverside.example",
        "name": "Pat J",
        "aad_tenant_id": "tenant-1",
    }
    upn_only = {"userPrincipalName": "pat@riverside.example"}
    assert verified_identity(ACTIVITY, upn_only)["email"] == "pat@riverside.example"
    # The members API was down: the object id and tenant still identify the user.
    assert verified_identity(ACTIVITY, None) == {"id": "aad-object-1", "name": "Pat Jones", "aad_tenant_id": "tenant-1"}


@pytest.mark.parametrize(
    "body,ok",
    [
        (ACTIVITY, True),
        ({**ACTIVITY, "conversation": None}, False),
        ({**ACTIVITY, "from": {"name": "no id"}}, False),
        # Ids go into the connector's URLs: a lone surrogate cannot be encoded, a control character is forged.
        ({**ACTIVITY, "conversation": {"id": "a:1\udfff"}}, False),
        ({**ACTIVITY, "conversation": {"id": "a:1\n"}}, False),
        ({**ACTIVITY, "from": {"id": ""}}, False),
        ({**ACTIVITY, "conversation": {"id": "a" * 1025}}, False),
        ({k: v for k, v in ACTIVITY.items() if k != "type"}, False),
        ([], False),
        ("text", False),
    ],
)
def test_what_counts_as_an_activity(body: Any, ok: bool) -> None:
    assert is_activity(body) is ok


def card_of(content: dict[str, Any]) -> dict[str, Any]:
    [attachment] = content["attachments"]
    assert attachment["contentType"] == ADAPTIVE_CARD
    card: dict[str, Any] = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.5"
    return card


def test_an_article_answer_is_a_card_with_steps_a_link_and_did_this_help() -> None:
    answer = replies.answer("vpn-connect", "Connect to the VPN", "## Try this first\n\n1. Open **GlobalProtect**.")
    content = reply({"text": answer["text"], "buttons": answer["buttons"], "custom": answer["custom"]}, link)
    card = card_of(content)
    title, steps, question = card["body"]
    assert (title["text"], title["style"]) == ("Connect to the VPN", "heading")
    assert steps["text"] == "**Try this first**\n\n1. Open **GlobalProtect**." and steps["wrap"] is True
    assert question["text"] == "Did this help?"
    helped, not_helped, full = card["actions"]
    assert (helped["type"], helped["title"], helped["data"][PAYLOAD_KEY]) == (
        "Action.Submit",
        "Yes, that helped",
        "/helped",
    )
    assert helped["data"]["msteams"] == {
        "type": "messageBack",
        "displayText": "Yes, that helped",
        "text": "/helped",
        "value": {PAYLOAD_KEY: "/helped"},
    }
    assert not_helped["data"][PAYLOAD_KEY] == "/not_helped"
    assert full == {"type": "Action.OpenUrl", "title": "Open the full article", "url": link("vpn-connect")}
    assert content["channelData"] == {"askit": {"decision": "answer", "article_id": "vpn-connect"}}


def test_an_article_without_a_page_gets_no_link() -> None:
    answer = replies.answer("walk-in-riverside", "Walk-in desk", "Or see [the VPN guide](kb:vpn-connect).")
    card = card_of(reply(dict(answer), lambda article_id: None))
    assert card["body"][1]["text"] == "Or see the VPN guide."
    assert [a["type"] for a in card["actions"]] == ["Action.Submit", "Action.Submit"]


def test_a_long_article_is_cut_at_a_paragraph_and_points_to_the_full_text() -> None:
    body = "\n\n".join(f"Step {i}: " + "words " * 40 for i in range(60))
    answer = replies.answer("long", "Long", body)
    steps = card_of(reply(dict(answer), link))["body"][1]["text"]
    assert len(steps) <= MAX_STEPS_CHARS + 40 and steps.endswith("the rest is in the full article.")
    assert "\n\nStep" in steps and not steps.split("\n\n")[-2].endswith("word")  # whole paragraphs only


def test_choices_are_card_buttons_that_send_their_payload() -> None:
    choice = replies.clarify([("printer-add", "Add a printer"), ("printing-follow-me", "Follow-me printing")])
    card = card_of(reply(dict(choice), link))
    assert card["body"][0]["text"] == choice["text"]
    assert [(a["title"], a["data"][PAYLOAD_KEY]) for a in card["actions"]] == [
        ("Add a printer", '/choose_article{"article_id":"printer-add"}'),
        ("Follow-me printing", '/choose_article{"article_id":"printing-follow-me"}'),
        ("None of these", "/not_helped"),
    ]


def test_plain_text_is_markdown_and_custom_rides_along() -> None:
    created = replies.ticket_created("LOC-000001", None, replies.Routed("P3", "service-desk", "within 1 working day"))
    content = reply(dict(created), link)
    assert content["type"] == "message" and content["textFormat"] == "markdown"
    assert content["text"] == created["text"] and "attachments" not in content
    assert content["channelData"]["askit"]["ticket_ref"] == "LOC-000001"
    assert "channelData" not in reply({"text": "Hello!"}, link)


def test_markdown_for_teams() -> None:
    text = "# Title\n\nSee [the VPN guide](kb:vpn-connect) and <b>not html</b> <script>alert(1)</script>."
    assert teams_markdown(text, link) == (
        f"**Title**\n\nSee [the VPN guide]({link('vpn-connect')}) and not html alert(1)."
    )


def test_replies_go_back_into_the_users_conversation_as_the_bot() -> None:
    ref = conversation_ref(ACTIVITY, "https://askit.example")
    assert ref.user_id == "29:1abc" and ref.conversation_id == "a:1xyz"
    assert message_activity(ref, {"type": "typing"}) == {
        "from": {"id": "28:bot-app-id", "name": "AskIT"},
        "conversation": {"id": "a:1xyz"},
        "recipient": {"id": "29:1abc"},
        "type": "typing",
    }


def test_the_welcome_card_offers_example_questions() -> None:
    card = card_of(reply(dict(replies.welcome()), link))
    assert [a["data"][PAYLOAD_KEY] for a in card["actions"]] == [
        "I forgot my password",
        "The VPN won't connect",
        "How do I add a printer?",
    ]
