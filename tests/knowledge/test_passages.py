"""An answer sized for a chat: the opening and the section that matches the question."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bot.knowledge.passages import SHORT_ENOUGH, Passages, split
from tests.fakes import FakeEmbedder, make_article


class TopicEmbedder(FakeEmbedder):
    """How often a text names each of a few topics: the sections of BODY are far apart."""

    TOPICS = ("password", "outbox", "ticket")

    def encode(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        self.embedded.extend(texts)
        out = np.array([[t.lower().count(w) + 0.01 for w in self.TOPICS] for t in texts], dtype=np.float32)
        return out / np.linalg.norm(out, axis=1, keepdims=True)

BODY = (
    "This article helps when Outlook will not send or receive email.\n\n"
    "It covers the laptop app; for phones see the phone article.\n\n"
    "## Outlook keeps asking for your password\n\n"
    "1. Close Outlook.\n2. Sign out of Office and sign in again with your new password.\n"
    + "3. Restart the laptop if the password prompt keeps coming back after the sign in.\n" * 4
    + "\n## Email stuck in the outbox\n\n"
    "1. Check the Outbox folder for a large attachment.\n2. Delete it and send a OneDrive link instead.\n"
    + "3. Work offline must be off: Send / Receive tab.\n" * 4
    + "\n## If this does not fix it\n\n"
    "Tell me \"that didn't help\" and I'll raise a ticket. Include the error message and your asset number.\n"
)


def test_a_body_splits_into_its_opening_and_headed_sections() -> None:
    opening, sections = split(BODY)
    assert opening.startswith("This article helps") and opening.endswith("the phone article.")
    assert [s.heading for s in sections] == [
        "Outlook keeps asking for your password",
        "Email stuck in the outbox",
        "If this does not fix it",
    ]
    assert sections[1].text.startswith("1. Check the Outbox")


def test_the_section_that_matches_the_question_is_shown_with_the_first_paragraph() -> None:
    embedder = TopicEmbedder()
    passages, article = Passages(embedder), make_article("outlook-not-syncing", body=BODY)
    assert len(BODY) > SHORT_ENOUGH
    for question, heading, other in [
        ("outlook keeps asking for my password", "Outlook keeps asking", "Email stuck in the outbox"),
        ("email stuck in outbox", "Email stuck in the outbox", "Outlook keeps asking"),
    ]:
        shown = passages.pick(article, embedder.encode([question])[0])
        assert not shown.whole and shown.text.startswith("This article helps when Outlook")
        assert f"## {heading}" in shown.text and other not in shown.text
        assert "It covers the laptop app" not in shown.text  # the opening's first paragraph only
        assert len(shown.text) < len(BODY) * 0.6
    # a near tie is no reason to skip the article's main steps (its first section)
    shown = passages.pick(article, embedder.encode(["password in the outbox"])[0])
    assert "## Outlook keeps asking" in shown.text
    # the closing section is never picked while the article has another
    shown = passages.pick(article, embedder.encode(["can you raise a ticket"])[0])
    assert "If this does not fix it" not in shown.text


def test_sections_are_embedded_once_per_article_text() -> None:
    embedder = FakeEmbedder()
    passages, article = Passages(embedder), make_article("outlook-not-syncing", body=BODY)
    for question in ("password prompt", "outbox", "password again"):
        passages.pick(article, embedder.encode([question])[0])
    assert len(embedder.embedded) == 3 + 2  # three questions, two sections once
    edited = make_article("outlook-not-syncing", body=BODY.replace("Close Outlook", "Quit Outlook"))
    passages.pick(edited, embedder.encode(["password"])[0])
    assert len(embedder.embedded) == 3 + 2 + 1 + 2  # an edited article's sections are embedded again


def test_a_short_or_unsectioned_article_is_shown_whole() -> None:
    embedder = FakeEmbedder()
    passages, query = Passages(embedder), embedder.encode(["password"])[0]
    short = make_article("short", body="Press Ctrl+Alt+Del.\n\n## Then\n\nChoose Change a password.")
    long_flat = make_article("flat", body="Step. " * 300)
    assert passages.pick(short, query).whole and passages.pick(long_flat, query).whole
    assert passages.pick(long_flat, query).text == long_flat.body and not embedder.embedded[1:]


def test_a_long_section_shows_its_first_steps_whole_and_the_rest_waits_for_the_button() -> None:
    steps = "".join(f"{n}. Step {n}: " + "do this carefully and check it worked. " * 4 + "\n" for n in range(1, 8))
    body = "Helps with printers.\n\n## Try this first\n\n" + steps + "\n## If this does not fix it\n\nTell me."
    shown = Passages(TopicEmbedder()).pick(make_article("printer-toner-jam", body=body), np.ones(3) / np.sqrt(3))
    assert not shown.whole and shown.text.startswith("Helps with printers.\n\n## Try this first\n\n1. Step 1:")
    last = shown.text.rsplit("\n", 1)[-1]
    assert last.startswith(("3. ", "4. ")) and last.endswith("check it worked.")  # whole steps, as written
    assert len(shown.text) < 700 and "5. Step 5" not in shown.text
