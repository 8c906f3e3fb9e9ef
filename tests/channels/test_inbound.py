"""What every channel does to a message before Rasa sees it (bot/channels/inbound.py)."""

from __future__ import annotations

import pytest

from bot import replies
from bot.channels.inbound import DIGEST_PREFIX, MAX_SENDER_CHARS, MAX_TEXT_CHARS, clean_sender, clean_text


@pytest.mark.parametrize(
    "given,expected",
    [
        ("hello", "hello"),
        ("  my vpn is down \n", "my vpn is down"),
        ("line one\nline two\ttabbed", "line one\nline two\ttabbed"),
        ("hi \udfff there", "hi ? there"),  # a lone surrogate: no UTF-8 store or tokenizer takes it
        ("nul\x00 bell\x07 esc\x1b", "nul bell esc"),
        ("\u202eevil override\u202c", "evil override"),
        ("cafe\u0301", "caf\u00e9"),  # one form of every accented letter
        ("x" * (MAX_TEXT_CHARS * 50), "x" * MAX_TEXT_CHARS),
        ("my password is Hunter22! and it fails", "my password is [redacted] and it fails"),
        ("", ""),
        (None, None),
        (42, None),
        (["hi"], None),
    ],
)
def test_clean_text(given: object, expected: str | None) -> None:
    assert clean_text(given) == expected


@pytest.mark.parametrize(
    "given", ["alice", "e2e-1234abcd", "29:1AbC-dEf_g", "webchat-0123abcd", "user@riverside.example", 12345]
)
def test_plain_senders_are_kept(given: object) -> None:
    assert clean_sender(given) == str(given)


@pytest.mark.parametrize(
    "given",
    ["x\udfff", "x\x00y", "a b", "../../etc", "\u202eabc", "é", "x" * (MAX_SENDER_CHARS + 1), "-starts-with-dash"],
)
def test_other_senders_become_a_stable_digest(given: str) -> None:
    cleaned = clean_sender(given)
    assert cleaned is not None and cleaned.startswith(DIGEST_PREFIX) and len(cleaned) == len(DIGEST_PREFIX) + 32
    assert cleaned == clean_sender(given) and cleaned.isascii()


@pytest.mark.parametrize("given", [None, "", "   ", True, 1.5, {"id": "x"}, ["x"]])
def test_no_usable_sender(given: object) -> None:
    assert clean_sender(given) is None


@pytest.mark.parametrize(
    "typed,kept",
    [
        (replies.HELPED["payload"], replies.HELPED["payload"]),
        (replies.choose_article_payload("walk-in-riverside"), replies.choose_article_payload("walk-in-riverside")),
        ('/choose_article{"article_id": {"nested": ["x"]}}', "/choose_article"),
        ('/choose_article{"article_id": "' + "a" * 1000 + '"}', "/choose_article"),
        ('/choose_article{"article_id": "' + "a" * 5000 + '"}', "/"),  # cut short, so no payload at all
        ('/choose_article{"article_id": 5}', "/choose_article"),
        ('/choose_article{"Article Id": "x"}', "/choose_article"),
        ('/choose_article{"article_id": "x\\u0000"}', "/choose_article"),  # an escaped NUL
        ('/choose_article{"article_id": "x\u0000"}', '/choose_article{"article_id": "x"}'),  # a raw one
        ("/choose_article{not json}", "/choose_article"),
        ("/choose_article{not json", "/"),
        ("/frobnicate", "/frobnicate"),  # an unknown intent: the NLU marks it unreadable
        ("/DROP TABLE", "/"),
        ("/", "/"),
    ],
)
def test_typed_button_payloads_carry_only_plain_short_values(typed: str, kept: str) -> None:
    assert clean_text(typed) == kept
