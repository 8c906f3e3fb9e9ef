"""The figures on a generated history whose true outcomes are known (bot/insights/figures.py)."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot import replies
from bot.insights.figures import (
    DEFLECTION_DAYS,
    ChatFigures,
    Cost,
    cost_avoided,
    shown,
)
from bot.insights.store import InsightsStore
from bot.sql import open_database
from tests.insights.history import DAY, Chat, Log

COUNCILS = ("northbrook", "riverside", "southmere")
FOLLOWED = {
    "didn't help, ticket": 1,
    "nothing fits, ticket": 1,
    "helped, ticket next day": 2,
    "helped, ticket after the window": 1,
}
PLANS = {  # what happens in the conversation -> the kind of outcome each of its questions has
    "helped": ["confirmed"],
    "no feedback": ["potential"],
    "a choice, none taken": ["potential"],
    "didn't help": ["not_deflected"],
    "didn't help, ticket": ["not_deflected"],
    "nothing fits": ["unresolved"],
    "nothing fits, ticket": ["not_deflected"],
    "helped, ticket next day": ["not_deflected", "not_deflected"],
    "helped, ticket after the window": ["confirmed", "not_deflected"],
}


@dataclass
class Planned:
    log: Log
    kinds: Counter[str]
    by_council: dict[str, Counter[str]]
    tickets: int
    followed: int = 0  # questions a ticket followed on their topic within the window


def play(chat: Chat, plan: str, n: int) -> int:
    """One conversation following ``plan``; returns the tickets it raised."""
    article = f"article-{n % 4}"
    if plan == "helped":
        chat.answered("the vpn drops", article).helped()
    elif plan == "no feedback":
        chat.answered("how do I add a printer", article)
    elif plan == "a choice, none taken":
        chat.says("teams problem").bot(replies.clarify([("a", "A"), ("b", "B")]))
    elif plan == "didn't help":
        chat.answered("outlook crashes", article).not_helped(article).says("no").bot(
            {"text": "OK", "custom": {"flow": "ticket_declined"}}
        )
    elif plan == "didn't help, ticket":
        chat.answered("outlook crashes", article).not_helped(article).ticket(f"INC{n}")
        return 1
    elif plan == "nothing fits":
        chat.says("the coffee machine is broken").bot(replies.escalate())
    elif plan == "nothing fits, ticket":
        chat.says("plotter prints pink").bot(replies.escalate()).ticket(f"INC{n}")
        return 1
    elif plan == "helped, ticket next day":
        chat.answered("my laptop is slow", article).helped()
        chat.later(1).answered("my laptop is still slow", article).not_helped(article).ticket(f"INC{n}")
        return 1
    elif plan == "helped, ticket after the window":
        chat.answered("my laptop is slow", article).helped()
        chat.later(8).answered("my laptop is slow again", article).not_helped(article).ticket(f"INC{n}")
        return 1
    return 0


def history(size: int = 400, seed: int = 7, start: float = 1_790_000_000.0, days: float = 90) -> Planned:
    """``size`` conversations following random plans, begun in the ``days`` after ``start``."""
    rng = random.Random(seed)
    log, kinds, tickets, followed = Log(), Counter[str](), 0, 0
    by_council: dict[str, Counter[str]] = {c: Counter() for c in COUNCILS}
    for n in range(size):
        plan, where = rng.choice(list(PLANS)), rng.choice(COUNCILS)
        chat = Chat(log, f"s{n}", at=start + rng.uniform(0, days) * DAY, channel=rng.choice(["webchat", "teams"]))
        chat.email = f"person{n}@{where}.example"
        tickets += play(chat, plan, n)
        kinds.update(PLANS[plan])
        by_council[where].update(PLANS[plan])
        followed += FOLLOWED.get(plan, 0)
    return Planned(log, kinds, by_council, tickets, followed)


def loaded(log: Log, tmp_path: Path, days: int = 7) -> InsightsStore:
    """The store after loading ``log``."""
    store = InsightsStore.open(tmp_path / "insights.sqlite", days)
    store.load(open_database(log.write(tmp_path / "events.db")))
    return store


def kinds_in_order(store: InsightsStore) -> list[str]:
    judged = store.outcomes()
    return [judged[q.id] for q in store.questions()]


def test_every_figure_equals_the_known_outcome(tmp_path: Path) -> None:
    planned = history()
    store = loaded(planned.log, tmp_path)
    counted = store.figures()["all"]
    assert (counted.confirmed, counted.potential, counted.not_deflected, counted.unresolved) == tuple(
        planned.kinds[k] for k in ("confirmed", "potential", "not_deflected", "unresolved")
    )
    assert counted.questions == sum(planned.kinds.values()) and len(store.tickets()) == planned.tickets
    assert counted.contained == counted.questions - planned.followed
    for name, council_figures in store.figures(by="council").items():
        expected = planned.by_council[name]
        assert (council_figures.confirmed, council_figures.not_deflected) == (
            expected["confirmed"],
            expected["not_deflected"],
        )
    riverside = store.figures(council="riverside")["all"]
    assert riverside.questions == sum(planned.by_council["riverside"].values())


def test_helped_then_a_ticket_next_day_is_not_a_confirmed_deflection(tmp_path: Path) -> None:
    log = Log()
    play(Chat(log, "x"), "helped, ticket next day", 1)
    assert kinds_in_order(loaded(log, tmp_path)) == ["not_deflected", "not_deflected"]


def test_a_ticket_after_the_window_leaves_the_deflection_confirmed_and_is_counted_once(tmp_path: Path) -> None:
    log = Log()
    play(Chat(log, "x"), "helped, ticket after the window", 1)
    store = loaded(log, tmp_path)
    assert kinds_in_order(store) == ["confirmed", "not_deflected"]
    assert store.figures()["all"].contained == 1  # the one ticket follows one question only
    wider = InsightsStore.open(tmp_path / "insights.sqlite", 10)  # a wider window: judged again
    assert kinds_in_order(wider) == ["not_deflected", "not_deflected"]


def test_a_live_chat_on_the_topic_is_not_a_deflection_and_its_rating_is_counted(tmp_path: Path) -> None:
    log = Log()
    Chat(log, "x").answered("vpn drops", "vpn-connect").helped().later(1).live_chat("h-x", rating=2)
    chat = Chat(log, "y", email="sam@northbrook.example").answered("vpn drops", "vpn-connect").helped()
    chat.later(DEFLECTION_DAYS + 1).live_chat("h-y", rating=5)  # after the window: the deflection stands
    Chat(log, "z").says("can I talk to someone").bot(replies.handoff_queued("h-z", 2, 120.0))  # not rated
    store = loaded(log, tmp_path)
    judged = store.outcomes()
    assert {q.user: judged[q.id] for q in store.questions()} == {"id-x": "not_deflected", "id-y": "confirmed"}
    assert store.live_chats() == {
        "northbrook": ChatFigures(chats=1, rated=1, rating_total=5, rated_well=1),
        "riverside": ChatFigures(chats=2, rated=1, rating_total=2, rated_well=0),
    }
    riverside = store.live_chats(council="riverside")["riverside"]
    assert riverside.average == 2.0 and riverside.satisfied == 0.0


def test_rates_breakdowns_articles_and_cost_ranges(tmp_path: Path) -> None:
    store = loaded(history(size=200).log, tmp_path)
    total = store.figures()["all"]
    assert total.helpful == total.helped / (total.helped + total.not_helped)
    assert total.coverage == (total.answered + total.clarified + total.elsewhere) / total.questions
    for by in ("channel", "week", "month", "council"):
        groups = store.figures(by=by)
        assert sum(f.questions for f in groups.values()) == total.questions and list(groups) == sorted(groups)
    assert sum(a.answers for a in store.articles()) == total.answered
    per_council = store.figures(by="council")
    low, high = cost_avoided(per_council, {"riverside": Cost.of(fixed=10.0)}, Cost.of(minutes=10, per_minute=0.5))
    assert low == pytest.approx(sum(f.confirmed * (10.0 if c == "riverside" else 5.0) for c, f in per_council.items()))
    assert high == pytest.approx(
        sum((f.confirmed + f.potential) * (10.0 if c == "riverside" else 5.0) for c, f in per_council.items())
    )


def test_small_counts_are_not_shown_to_the_committee() -> None:
    assert [shown(n) for n in (0, 1, 4, 5, 12)] == ["0", "<5", "<5", "5", "12"]
