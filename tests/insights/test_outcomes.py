"""From events to questions, feedback and tickets (bot/insights/outcomes.py)."""

from __future__ import annotations

import pytest

from bot import replies
from bot.identity import IDENTITY_KEY
from bot.insights.events import BrokerEvent
from bot.insights.outcomes import (
    Answered,
    ChatRated,
    Delivered,
    IncidentStep,
    IncidentTold,
    LiveChat,
    Question,
    Ticket,
    redact,
)
from bot.insights.store import changes_of
from tests.insights.history import Chat, Log


def test_a_typed_question_an_answer_and_helped() -> None:
    log = Log()
    Chat(log, "s1").answered("my vpn won't connect", "vpn-connect").helped()
    [question, feedback] = changes_of(log.broker_events())
    assert isinstance(question, Question)
    assert (question.text, question.decision, question.article_id, question.channel) == (
        "my vpn won't connect", "answer", "vpn-connect", "webchat",
    )  # fmt: skip
    assert (question.user, question.tenant) == ("id-s1", "riverside")  # the sealed identity, its council
    assert feedback == Answered(question.id, feedback="helped")


def test_a_choice_from_a_clarify_answers_the_question_it_continues() -> None:
    log = Log()
    chat = (
        Chat(log, "s2")
        .says("printer problem")
        .bot(replies.clarify([("printer-add", "Add"), ("scan-to-email", "Scan")]))
    )
    chat.says('/choose_article{"article_id":"printer-add"}').bot(replies.answer("printer-add", "Add", "Steps."))
    chat.not_helped("printer-add")
    [question, chosen, feedback] = changes_of(log.broker_events())
    assert isinstance(question, Question) and question.decision == "clarify" and question.text == "printer problem"
    assert chosen == Answered(question.id, decision="answer", article_id="printer-add")
    assert feedback == Answered(question.id, feedback="not_helped")


def test_all_steps_of_the_same_article_is_not_a_new_question() -> None:
    log = Log()
    chat = Chat(log, "s3").answered("reset my password", "password-reset")
    chat.says('/show_article{"article_id":"password-reset"}').bot(replies.answer("password-reset", "Reset", "All."))
    chat.helped()
    changes = changes_of(log.broker_events())
    assert [type(c).__name__ for c in changes] == ["Question", "Answered"]


def test_a_ticket_remembers_the_article_and_question_it_followed_and_news_gives_its_reference() -> None:
    log = Log()
    chat = Chat(log, "s4").answered("outlook keeps crashing", "outlook-crash").not_helped("outlook-crash")
    chat.says("yes").bot(replies.ticket_recorded("ASKIT-1234ABCD", replies.Routed("P3", "end-user-computing")))
    desk = replies.DeskLine("01632 960000", True, "open now")
    chat.bot(replies.ticket_news("ASKIT-1234ABCD", "INC0010001", None, desk))
    question, _, ticket, delivered = changes_of(log.broker_events())
    assert isinstance(question, Question) and isinstance(ticket, Ticket)
    assert (ticket.ref, ticket.receipt, ticket.article_id, ticket.question_id, ticket.group) == (
        "ASKIT-1234ABCD", "ASKIT-1234ABCD", "outlook-crash", question.id, "end-user-computing",
    )  # fmt: skip
    assert delivered == Delivered("ASKIT-1234ABCD", "INC0010001")


def test_a_live_chat_follows_the_question_before_it_and_keeps_its_rating() -> None:
    log = Log()
    Chat(log, "s6").answered("teams keeps crashing", "teams-crash").not_helped("teams-crash").live_chat("h1", rating=4)
    question, _, chat, rated = changes_of(log.broker_events())
    assert isinstance(question, Question) and isinstance(chat, LiveChat)
    assert (chat.handoff_id, chat.article_id, chat.question_id, chat.user, chat.tenant) == (
        "h1", "teams-crash", question.id, "id-s6", "riverside",
    )  # fmt: skip
    assert rated == ChatRated("h1", 4)
    forged = {"text": "Thanks", "custom": {"flow": "handoff_rated", "handoff_id": "h1", "score": 9}}
    assert changes_of(Chat(Log(), "s7").bot(forged).log.broker_events()) == []  # not a rating of 1 to 5


def test_a_known_incidents_card_its_buttons_its_updates_and_a_linked_ticket() -> None:
    log = Log()
    chat = Chat(log, "s8").incident_card("inc-1").affected("inc-1").subscribes("inc-1").told("inc-1", "resolved")
    chat.says("the vpn is still down").bot(replies.escalate()).ticket("INC9", incident_id="inc-1")
    steps = changes_of(log.broker_events())
    assert [(type(c).__name__, getattr(c, "kind", None)) for c in steps] == [
        ("IncidentStep", "shown"), ("IncidentStep", "affected"), ("IncidentStep", "subscribed"),
        ("IncidentTold", None), ("Question", None), ("Ticket", None),
    ]  # fmt: skip
    shown, told, ticket = steps[0], steps[3], steps[5]
    assert isinstance(shown, IncidentStep) and (shown.user, shown.tenant, shown.incident_id) == (
        "id-s8", "riverside", "inc-1",
    )  # fmt: skip
    assert isinstance(told, IncidentTold) and (told.user, told.status) == ("id-s8", "resolved")
    assert isinstance(ticket, Ticket) and ticket.incident_id == "inc-1"


def test_my_problem_is_different_answers_the_question_typed_before_the_card() -> None:
    log = Log()
    chat = Chat(log, "s9").answered("reset my password", "password-reset")
    chat.incident_card("inc-1", "outlook won't open").different("inc-1", "outlook-crash")
    first, _, different, question = changes_of(log.broker_events())  # not a choice continuing the first
    assert isinstance(different, IncidentStep)
    assert (different.user, different.tenant, different.incident_id, different.kind) == (
        "id-s9", "riverside", "inc-1", "different",
    )  # fmt: skip
    assert isinstance(question, Question) and isinstance(first, Question) and question.id != first.id
    assert (question.text, question.decision, question.article_id) == ("outlook won't open", "answer", "outlook-crash")


def test_without_a_verified_identity_the_user_is_the_conversation() -> None:
    log = Log()
    Chat(log, "s5", channel="rest", verified=False).says("hello?").bot(replies.escalate())
    [question] = changes_of(log.broker_events())
    assert isinstance(question, Question) and (question.user, question.tenant, question.decision) == (
        "rest:s5", None, "escalate",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("my password is Winter2026! and it fails", "my password is [redacted] and it fails"),
        ("email me at pat.jones@riverside.example", "email me at [email]"),
        ("call 01632 960123 please", "call [phone] please"),
        ("Pat Jones cannot print", "[name] [name] cannot print"),
        ("x" * 900, "x" * 500),
    ],
)
def test_questions_are_kept_only_redacted(typed: str, kept: str) -> None:
    assert redact(typed, ("Pat", "Jones")) == kept


@pytest.mark.parametrize(
    "odd",
    [
        {"event": "user", "text": None, "metadata": ["not", "an", "object"]},
        {"event": "user", "text": 42, "metadata": {IDENTITY_KEY: "sealed?"}},
        {"event": "bot", "data": "not an object"},
        {"event": "bot", "data": {"custom": ["a", "list"]}},
        {"event": "bot", "data": {"custom": {"decision": "answer", "article_id": 7}}},
        {"event": "bot", "data": {"custom": {"flow": "ticket_created", "ticket_ref": ["x"]}}},
    ],
)
def test_odd_events_are_followed_without_error(odd: dict[str, object]) -> None:
    events = [BrokerEvent(1, "s", {"event": "user", "text": "vpn"}), BrokerEvent(2, "s", {**odd, "sender_id": "s"})]
    changes = changes_of(events)  # no exception: a loader never stops on one strange event
    assert all(isinstance(c, Question) and c.article_id is None for c in changes)  # nothing made up
