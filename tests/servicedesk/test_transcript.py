from __future__ import annotations

import datetime as dt

from bot.servicedesk.transcript import MAX_TURN_CHARS, OfferedArticle, Turn, ticket_description


def test_description_holds_summary_articles_feedback_and_transcript() -> None:
    at = dt.datetime(2026, 11, 22, 9, 30, tzinfo=dt.timezone.utc)
    text = ticket_description(
        "VPN drops every hour",
        [Turn("user", "my vpn keeps dropping", at), Turn("bot", "**VPN will not connect** ...", at)],
        [OfferedArticle("vpn-connect", "VPN will not connect", False)],
    )
    assert text.startswith("VPN drops every hour\n")
    assert "- VPN will not connect (vpn-connect): the user said it did not help" in text
    assert "[2026-11-22 09:30:00Z] User: my vpn keeps dropping" in text
    assert "AskIT: **VPN will not connect**" in text


def test_a_huge_message_is_clipped_in_the_transcript() -> None:
    text = ticket_description("Big", [Turn("user", "a" * 10_000)], [])
    assert "a" * MAX_TURN_CHARS not in text and "a" * (MAX_TURN_CHARS - 1) + "…" in text


ARTICLE = "**Password expired**\n\nYour password has not expired if you can still sign in to Outlook on the web."


def test_only_what_the_user_typed_is_redacted() -> None:
    text = ticket_description(
        "my pass is Hunter22",
        [
            Turn("user", "my pass is Hunter22"),
            Turn("bot", ARTICLE),
            Turn("user", "password is wrong, my PIN is 4821"),
        ],
        [],
    )
    assert "Hunter22" not in text and "4821" not in text
    assert text.startswith("my pass is [redacted]\n")
    assert "User: my pass is [redacted]" in text and "User: password is wrong, my PIN is [redacted]" in text
    assert f"AskIT: {ARTICLE}" in text


def test_a_secret_the_bot_repeats_is_redacted_there_too() -> None:
    text = ticket_description(
        "Help requested",
        [
            Turn("user", "my password is sunshine and my PIN is 4821"),
            Turn("bot", 'I\'ll raise a ticket with this summary:\n\n"my password is sunshine and my PIN is 4821"'),
            Turn("bot", "Done: I've raised ticket INC0048210."),
        ],
        [],
    )
    assert "sunshine" not in text and "is 4821" not in text
    assert '"my password is [redacted] and my PIN is [redacted]"' in text
    assert "INC0048210" in text  # a secret is taken out whole, never from inside another word


def test_the_details_the_desk_asked_for_come_before_the_transcript_with_secrets_redacted() -> None:
    text = ticket_description(
        "Wi-Fi drops",
        [Turn("user", "wifi keeps dropping")],
        [],
        [("Location", "Riverside House, floor 2"), ("Error message", "it said my password is Hunter2024!")],
    )
    assert "Details the service desk asks for:\n- Location: Riverside House, floor 2\n" in text
    assert "Hunter2024!" not in text
    assert text.index("Details the service desk asks for") < text.index("Conversation transcript")
