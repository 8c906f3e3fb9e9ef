"""Teams activity <-> Rasa message translation, without a server."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot import replies
from bot.channels.inbound import MAX_TEXT_CHARS
from bot.channels.teams_payloads import (
    ADAPTIVE_CARD,
    PAYLOAD_KEY,
    conversation_ref,
    incoming_text,
    is_activity,
    message_activity,
    pressed,
    pressed_card,
    reply,
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


def test_a_card_reply_is_an_adaptive_card_and_custom_rides_along() -> None:
    answer = replies.answer("vpn-connect", "Connect to the VPN", "1. Open **GlobalProtect**.")
    content = reply(dict(answer), link)
    assert card_of(content)["body"][0]["text"] == "Connect to the VPN"
    assert content["channelData"] == {"askit": {"decision": "answer", "article_id": "vpn-connect"}}


def test_plain_text_is_markdown_and_custom_rides_along() -> None:
    declined = replies.comment_added("LOC-000001")
    content = reply(dict(declined), link)
    assert content["type"] == "message" and content["textFormat"] == "markdown"
    assert content["text"] == declined["text"] and "attachments" not in content
    assert content["channelData"]["askit"]["ticket_ref"] == "LOC-000001"
    assert "channelData" not in reply({"text": "Hello!"}, link)


def test_replies_go_back_into_the_users_conversation_as_the_bot() -> None:
    ref = conversation_ref(ACTIVITY, "https://askit.example")
    assert ref.user_id == "29:1abc" and ref.conversation_id == "a:1xyz"
    assert message_activity(ref, {"type": "typing"}) == {
        "from": {"id": "28:bot-app-id", "name": "AskIT"},
        "conversation": {"id": "a:1xyz"},
        "recipient": {"id": "29:1abc"},
        "type": "typing",
    }


@pytest.mark.parametrize(
    ("reply_to", "card"),
    [("1:abc", "1:abc"), (None, None), (12, None), ("", None), ("x" * 2000, None), ("a\nb", None), ({"id": "1"}, None)],
)
def test_the_pressed_card_is_named_only_by_a_sane_id(reply_to: Any, card: str | None) -> None:
    activity = {**ACTIVITY, "value": {PAYLOAD_KEY: "/helped"}, "replyToId": reply_to}
    assert pressed_card(activity) == card
    assert pressed(activity) == "/helped" and pressed({**ACTIVITY, "text": "typed"}) is None
