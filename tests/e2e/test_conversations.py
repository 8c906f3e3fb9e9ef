"""The conversation test set (tests/conversations/*.yml): every dialogue played against the real
servers, as staff type, through the REST channel, or the web widget with a signed token for a
dialogue that names a council (every turn of those must end in a reply with a ``custom`` part)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.conftest import Chat
from tests.e2e.dialogues import POINTS, Dialogue, Players, check, load, play

DIALOGUES = load()


@pytest.fixture
def players(chat: Chat) -> Iterator[Players]:
    players = Players(chat)
    yield players
    players.close()


def test_the_set_covers_every_point_with_dialogues_of_several_turns() -> None:
    by_point: dict[str, list[Dialogue]] = {}
    for dialogue in DIALOGUES:
        by_point.setdefault(dialogue.point, []).append(dialogue)
    assert all(len(by_point.get(point, [])) >= 5 for point in POINTS), {p: len(d) for p, d in by_point.items()}
    assert len(DIALOGUES) >= 60 and sum(len(d.turns) > 1 for d in DIALOGUES) >= len(DIALOGUES) * 0.7


def test_a_reply_that_differs_from_the_dialogue_is_caught() -> None:
    reply = [{"text": "Hello there", "buttons": [{"title": "Yes", "payload": "/affirm"}], "custom": {"flow": "a"}}]
    assert check({"expect": {"flow": "a"}, "says": ["hello"], "buttons": ["Yes"]}, reply) == []
    assert len(check({"expect": {"flow": "b", "decision": "answer"}}, reply)) == 2
    assert check({"expect": {"flow": ["a", "b"], "decision": None}}, reply) == []
    assert check({"expect": {"flow": None}}, reply) == ["flow: wanted None, got 'a'"]
    fallback = [{"text": "Sorry, I didn't get that. Could you describe the problem in other words?"}]
    assert check({}, reply + fallback) == ['the fallback reply "sorry, i didn\'t get that"']
    assert check({"says": ["bye"], "not_says": ["hello"], "buttons": ["No"]}, reply) == [
        "does not say 'bye'",
        "says 'hello'",
        "no button 'No' (has ['Yes'])",
    ]


@pytest.mark.parametrize("dialogue", DIALOGUES, ids=[f"{d.point}: {d.name}" for d in DIALOGUES])
def test_the_dialogue_goes_as_staff_expect(players: Players, dialogue: Dialogue) -> None:
    outcome = play(dialogue, players.say, players.tickets, players.chat.desk_reply)
    assert outcome.passed, f"{dialogue.source} {dialogue.name}\n" + "\n".join(outcome.problems)
