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
