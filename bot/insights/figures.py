"""The figures, defined once here and printed beside every view of them (``DEFINITIONS``).

A question's outcome, judged at the end of the deflection window (7 days by default) after it
was asked:
- **confirmed** deflection: answered from an article, the user said it helped, and no ticket from
  that user on the same topic (the same article, or raised from that question) within the window;
- **potential** deflection: an answer, a choice of articles or a pointer to another team, with no
  feedback and no such ticket; always counted apart from confirmed;
- **not deflected**: a ticket on the topic within the window, or "that didn't help";
- **unresolved**: nothing fitted ("escalate") and no ticket was raised;
- a too-vague first message that got one narrowing question is not a question of its own.
Containment is the share of questions with no ticket on their topic within the window; helpful % is
yes / (yes + no); coverage is the share of questions that got an answer, a choice or a pointer
rather than "escalate". The last days of any period, as many as the window, are still open: a
ticket may yet follow.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.insights.outcomes import Question, Ticket

DEFINITIONS = (__doc__ or "").split("\n\n", 1)[1]  # what every view prints: all but the first line
DEFLECTION_DAYS = 7
DAY = 86_400.0
SMALL = 5  # a count under this is not shown in any view for the committee

KINDS = ("confirmed", "potential", "not_deflected", "unresolved")


@dataclass(frozen=True)
class Outcome:
    question: Question
    kind: str  # one of KINDS, or "narrowed"
    ticket: Ticket | None  # the ticket that followed it, if any


def outcomes(questions: Iterable[Question], tickets: Sequence[Ticket], days: float = DEFLECTION_DAYS) -> list[Outcome]:
    """Each question's outcome (see the module docstring); ``tickets`` must cover the window after
    the last question."""
    by_user: dict[str, list[Ticket]] = defaultdict(list)
    for raised in tickets:
        by_user[raised.user].append(raised)
    found = []
    for question in questions:
        ticket = next((t for t in by_user.get(question.user, ()) if _follows(t, question, days)), None)
        found.append(Outcome(question, _kind(question, ticket), ticket))
    return found


def _follows(ticket: Ticket, question: Question, days: float) -> bool:
    if not question.at <= ticket.at <= question.at + days * DAY:
        return False
    return ticket.question_id == question.id or (
        question.article_id is not None and ticket.article_id == question.article_id
    )


def _kind(question: Question, ticket: Ticket | None) -> str:
    if question.decision == "narrow":
        return "narrowed"
    if ticket is not None or question.feedback == "not_helped":
        return "not_deflected"
    if question.decision == "escalate":
        return "unresolved"
    if question.decision == "answer" and question.feedback == "helped":
        return "confirmed"
    return "potential"


@dataclass(frozen=True)
class Figures:
    questions: int
    answered: int
    clarified: int
    elsewhere: int
    escalated: int
    helped: int
    not_helped: int
    confirmed: int
    potential: int
    not_deflected: int
    unresolved: int
    contained: int  # questions with no ticket on their topic within the window

    @property
    def coverage(self) -> float | None:
        return _share(self.answered + self.clarified + self.elsewhere, self.questions)

    @property
    def helpful(self) -> float | None:
        return _share(self.helped, self.helped + self.not_helped)

    @property
    def containment(self) -> float | None:
        return _share(self.contained, self.questions)


def figures(found: Iterable[Outcome]) -> Figures:
    counted = [o for o in found if o.kind != "narrowed"]
    kinds = Counter(o.kind for o in counted)
    decisions = Counter(o.question.decision for o in counted)
    feedback = Counter(o.question.feedback for o in counted)
    return Figures(
        questions=len(counted),
        answered=decisions["answer"],
        clarified=decisions["clarify"],
        elsewhere=decisions["elsewhere"],
        escalated=decisions["escalate"],
        helped=feedback["helped"],
        not_helped=feedback["not_helped"],
        confirmed=kinds["confirmed"],
        potential=kinds["potential"],
        not_deflected=kinds["not_deflected"],
        unresolved=kinds["unresolved"],
        contained=sum(o.ticket is None for o in counted),
    )


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def by(found: Iterable[Outcome], key: Callable[[Outcome], str | None]) -> dict[str, Figures]:
    """The figures for each value of ``key`` (a council, a channel, a week...), in order."""
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in found:
        groups[key(outcome) or "unknown"].append(outcome)
    return {name: figures(group) for name, group in sorted(groups.items())}


def council(outcome: Outcome) -> str | None:
    return outcome.question.tenant


def channel(outcome: Outcome) -> str | None:
    return outcome.question.channel


def week(outcome: Outcome) -> str:
    year, number, _ = _date(outcome.question.at).isocalendar()
    return f"{year}-W{number:02d}"


def month(outcome: Outcome) -> str:
    return _date(outcome.question.at).strftime("%Y-%m")


def _date(at: float) -> dt.date:
    return dt.datetime.fromtimestamp(at, dt.timezone.utc).date()


@dataclass(frozen=True)
class ArticleFigures:
    article_id: str
    answers: int
    helped: int
    not_helped: int
    tickets: int  # tickets that followed an answer from it

    @property
    def helpful(self) -> float | None:
        return _share(self.helped, self.helped + self.not_helped)


def articles(found: Iterable[Outcome]) -> list[ArticleFigures]:
    """Per article answered, most answers first."""
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in found:
        if outcome.question.decision == "answer" and outcome.question.article_id:
            groups[outcome.question.article_id].append(outcome)
    rows = [
        ArticleFigures(
            article_id,
            len(group),
            sum(o.question.feedback == "helped" for o in group),
            sum(o.question.feedback == "not_helped" for o in group),
            sum(o.ticket is not None for o in group),
        )
        for article_id, group in groups.items()
    ]
    return sorted(rows, key=lambda a: (-a.answers, a.article_id))


@dataclass(frozen=True)
class Cost:
    """What one contact with the service desk costs a council: a fixed amount, or minutes x rate."""

    amount: float

    @classmethod
    def of(cls, minutes: float | None = None, per_minute: float | None = None, fixed: float | None = None) -> Cost:
        if fixed is not None:
            return cls(fixed)
        if minutes is None or per_minute is None:
            raise ValueError("a cost per contact is a fixed amount, or minutes and a cost per minute")
        return cls(minutes * per_minute)


def cost_avoided(found: Iterable[Outcome], costs: Mapping[str, Cost], default: Cost) -> tuple[float, float]:
    """(confirmed x cost per contact, (confirmed + potential) x cost per contact), each question at
    its council's cost: a range, never one figure."""
    low = high = 0.0
    for outcome in found:
        cost = costs.get(outcome.question.tenant or "", default).amount
        if outcome.kind == "confirmed":
            low += cost
            high += cost
        elif outcome.kind == "potential":
            high += cost
    return low, high


def shown(count: int) -> str:
    """A count as the committee may see it: under SMALL, only that it is small."""
    return f"<{SMALL}" if 0 < count < SMALL else str(count)
