"""Known incidents' figures (bot/insights/store.py: incidents): each person counted once per
incident and step however often the events say it, loaded once however the loader is stopped or
replayed; tickets avoided against tickets and live chats raised; each council its own staff's."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import sql
from bot.insights.figures import DEFLECTION_DAYS, IncidentFigures
from bot.insights.store import InsightsStore
from tests.insights.history import DAY, START, Chat, Log

VPN = "inc-vpn"


def riverside(log: Log, who: str, **kwargs: object) -> Chat:
    return Chat(log, who, email=f"{who}@riverside.example", **kwargs)  # type: ignore[arg-type]


def northbrook(log: Log, who: str) -> Chat:
    return Chat(log, who, email=f"{who}@northbrook.example")


def outage() -> Log:
    """A VPN outage met by staff of two councils, each step of it at least once."""
    log = Log()
    riverside(log, "ann").incident_card(VPN).affected(VPN, 1).affected(VPN, 1).subscribes(VPN).told(VPN)
    riverside(log, "bob").incident_card(VPN).affected(VPN, 2).later(1).ticket("INC1", incident_id=VPN)
    riverside(log, "cat").incident_card(VPN, "outlook will not open").different(VPN, "outlook-crash")
    northbrook(log, "dan").incident_card(VPN).subscribes(VPN).told(VPN).told(VPN, "resolved")
    riverside(log, "eve", at=START + DAY).incident_card("inc-crm", "the crm is slow")  # met later: listed after
    return log


def load(log: Log, folder: Path, location: str | Path | None = None, batch: int = 5_000) -> InsightsStore:
    """The store (in ``folder``, or at ``location``) after loading ``log`` (written into ``folder``)."""
    store = InsightsStore.open(location or folder / "insights.sqlite")
    store.load(sql.open_database(log.write(folder / "events.db")), batch=batch)
    return store


def test_each_step_is_counted_per_incident_and_council(tmp_path: Path) -> None:
    store = load(outage(), tmp_path)
    assert store.incidents() == [
        IncidentFigures(VPN, "northbrook", shown=1, subscribed=1, told=2),
        IncidentFigures(VPN, "riverside", shown=3, affected=2, subscribed=1, told=1, different=1, tickets=1, avoided=1),
        IncidentFigures("inc-crm", "riverside", shown=1),
    ]  # ann pressed "affected" twice: once; bob raised a linked ticket: not avoided
    assert store.incidents(council="northbrook") == [IncidentFigures(VPN, "northbrook", shown=1, subscribed=1, told=2)]
    assert store.incidents(council="southmere") == []


def test_my_problem_is_different_answers_the_question_typed_before_the_card(tmp_path: Path) -> None:
    store = load(outage(), tmp_path)
    [question] = [q for q in store.questions() if q.user == "id-cat"]
    assert (question.text, question.decision, question.article_id) == (
        "outlook will not open", "answer", "outlook-crash",
    )  # fmt: skip
    assert [t.incident_id for t in store.tickets()] == [VPN]  # the linked ticket keeps its incident


def test_the_same_events_loaded_twice_or_in_pieces_count_once(location: str, tmp_path: Path) -> None:
    log = outage()
    whole = load(log, tmp_path)
    (tmp_path / "pieces").mkdir()
    pieces = load(log, tmp_path / "pieces", location, batch=3)  # stopped and started between every few events
    assert pieces.incidents() == whole.incidents()
    with pieces.db.transaction() as tx:  # as if the loader's progress were lost: every event read again
        tx.execute("UPDATE insights_progress SET last_event = 0 WHERE source = 'events'")
    pieces.load(sql.open_database(tmp_path / "events.db"))
    assert pieces.incidents() == whole.incidents() and len(pieces.tickets()) == 1


def test_a_repeat_affected_press_counts_once_in_any_conversation(tmp_path: Path) -> None:
    log = Log()
    riverside(log, "ann", person="id-ann").incident_card(VPN).affected(VPN, 1).affected(VPN, 1)
    riverside(log, "ann-teams", person="id-ann", channel="teams").later(1).incident_card(VPN).affected(VPN, 1)
    riverside(log, "bob").incident_card(VPN).affected(VPN, 2)
    [row] = load(log, tmp_path).incidents()
    assert (row.shown, row.affected, row.avoided) == (2, 2, 2)


@pytest.mark.parametrize(
    ("after", "avoided"),
    [
        ("nothing", 1),
        ("a linked ticket", 0),
        ("another ticket the next day", 0),
        ("a live chat the next day", 0),
        ("a ticket after the window", 1),
        ("a linked ticket after the window", 0),
    ],
)
def test_tickets_avoided_are_the_affected_who_raised_none(after: str, avoided: int, tmp_path: Path) -> None:
    log = Log()
    chat = riverside(log, "ann").incident_card(VPN).affected(VPN)
    if after == "a linked ticket":
        chat.ticket("INC1", incident_id=VPN)
    elif after == "another ticket the next day":
        chat.later(1).says("my printer jams").ticket("INC2")
    elif after == "a live chat the next day":
        chat.later(1).live_chat("h-1")
    elif after == "a ticket after the window":
        chat.later(DEFLECTION_DAYS + 1).says("my printer jams").ticket("INC3")
    elif after == "a linked ticket after the window":
        chat.later(DEFLECTION_DAYS + 1).ticket("INC4", incident_id=VPN)
    [row] = load(log, tmp_path).incidents()
    assert (row.affected, row.avoided, row.tickets) == (1, avoided, int(after.startswith("a linked")))


def test_a_linked_ticket_before_saying_affected_is_not_a_ticket_avoided(tmp_path: Path) -> None:
    log = Log()
    riverside(log, "ann").incident_card(VPN).ticket("INC1", incident_id=VPN).affected(VPN)
    [row] = load(log, tmp_path).incidents()
    assert (row.affected, row.tickets, row.avoided) == (1, 1, 0)


def test_each_is_counted_in_the_period_it_happened(tmp_path: Path) -> None:
    log, start = Log(), START
    riverside(log, "ann", at=start).incident_card(VPN).later(10).affected(VPN)
    store = load(log, tmp_path)
    [first] = store.incidents(start, start + 5 * DAY)
    [later] = store.incidents(start + 5 * DAY, start + 20 * DAY)
    assert (first.shown, first.affected) == (1, 0) and (later.shown, later.affected, later.avoided) == (0, 1, 1)
