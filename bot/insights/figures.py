"""The figures, defined once here (``DEFINITIONS``, printed beside every view of them): a question's
outcome is judged at the end of the deflection window (7 days by default) after it was asked."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.insights.outcomes import LiveChat, Question, Ticket

DEFINITIONS = (  # (term, meaning): what every view of the figures prints beside them
    ("Confirmed deflection", "answered from an article, the member of staff said it helped, and no ticket or live "
     "chat with a person from them on the same topic (the same article, or asked for after that question) within "
     "the deflection window."),
    ("Potential deflection", "an answer, a choice of articles or a pointer to another team, with no feedback and no "
     "such ticket. Always counted apart from confirmed, never added to it."),
    ("Not deflected", "a ticket or a live chat with a person on the topic within the window, or \"that didn't "
     "help\"."),
    ("Unresolved", "nothing fitted (\"escalate\") and no ticket was raised."),
    ("Containment", "the share of questions with no ticket or live chat on their topic within the window."),
    ("Helpful", "helped / (helped + didn't help)."),
    ("Coverage", "the share of questions that got an answer, a choice or a pointer rather than \"escalate\"."),
    ("Live-chat rating", "how members of staff rated their chats with a person, 1 (poor) to 5 (very good): the "
     "chats rated, their average, and the share rated 4 or 5."),
    ("Questions", "what staff typed; a too-vague first message that got one narrowing question is not counted "
     "on its own. The last days of any period, as many as the window, are still open: a ticket may yet follow."),
)  # fmt: skip
INCIDENT_COUNTS = {  # IncidentFigures' counts, each with the term every view heads it with
    "shown": "Shown the card",
    "affected": "Affected",
    "subscribed": "Subscribed",
    "told": "Told of updates",
    "different": "Problem different",
    "tickets": "Linked tickets",
    "avoided": "Tickets avoided",
}
_INCIDENT_MEANINGS = {
    "shown": "members of staff whose question got the known incident's card, each counted once, when first shown.",
    "affected": 'members of staff who said "I\'m affected too", each counted once however often they pressed it.',
    "subscribed": 'members of staff who asked "Tell me when it\'s fixed", each counted once.',
    "told": "the messages that told a subscriber the incident had changed (one message may tell several changes).",
    "different": 'members of staff who said "My problem is different" on the card, each counted once.',
    "tickets": "tickets raised by staff who still asked for one after the incident's card: linked to the incident.",
    "avoided": "affected members of staff who raised no ticket linked to the incident, and no ticket or live chat "
    "with a person at all within the deflection window after they said they were affected. The last days of any "
    "period, as many as the window, are still open.",
}
INCIDENT_DEFINITIONS = (  # (term, meaning): printed beside every view of the known incidents' figures
    *((INCIDENT_COUNTS[count], meaning) for count, meaning in _INCIDENT_MEANINGS.items()),
    ("Council, for known incidents", "the member of staff's council, not the incident's; each is counted in the "
     "period it happened."),
)  # fmt: skip
DEFLECTION_DAYS = 7
DAY = 86_400.0
SMALL = 5  # a count under this is not shown in any view for the committee
MIN_CLUSTER = 5  # a content gap is shown only with at least this many questions
EXAMPLES = 3  # questions quoted for each gap

KINDS = ("confirmed", "potential", "not_deflected", "unresolved")


Escalation = Ticket | LiveChat  # what makes a question not deflected when it follows on its topic


def judge(
    question: Question, escalations: Iterable[Escalation], days: float = DEFLECTION_DAYS
) -> tuple[str, Escalation | None]:
    """A question's outcome (one of KINDS, or "narrowed"), and the ticket or live chat that followed
    it on its topic within the window, if any; ``escalations`` are its user's, oldest first."""
    followed = next((e for e in escalations if _follows(e, question, days)), None)
    return _kind(question, followed), followed


def _follows(escalation: Escalation, question: Question, days: float) -> bool:
    if escalation.user != question.user or not question.at <= escalation.at <= question.at + days * DAY:
        return False
    return escalation.question_id == question.id or (
        question.article_id is not None and escalation.article_id == question.article_id
    )


def _kind(question: Question, followed: Escalation | None) -> str:
    if question.decision == "narrow":
        return "narrowed"
    if followed is not None or question.feedback == "not_helped":
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


def percent(value: float | None) -> str:
    """A share as every view prints it: "45%", or a dash when there is nothing to divide by."""
    return "–" if value is None else f"{value:.0%}"


def councils_text(councils: Mapping[str, int]) -> str:
    """A gap's councils as every view prints them: "riverside 6, northbrook 3"."""
    return ", ".join(f"{council} {count}" for council, count in councils.items())


def incident_name(incident_id: str, titles: Mapping[str, str]) -> str:
    """An incident as every view names it: "VPN unavailable (inc-3f9a1c2e)", or its id alone."""
    title = titles.get(incident_id)
    return f"{title} ({incident_id})" if title else incident_id


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class ArticleFigures:
    article_id: str
    answers: int
    helped: int
    not_helped: int
    tickets: int  # tickets and live chats that followed an answer from it

    @property
    def helpful(self) -> float | None:
        return _share(self.helped, self.helped + self.not_helped)


@dataclass(frozen=True)
class ChatFigures:
    """Live chats with a person: how many were asked for, and their ratings (1 to 5)."""

    chats: int
    rated: int
    rating_total: int
    rated_well: int  # rated 4 or 5

    @property
    def average(self) -> float | None:
        return self.rating_total / self.rated if self.rated else None

    @property
    def satisfied(self) -> float | None:
        return _share(self.rated_well, self.rated)


@dataclass(frozen=True)
class IncidentFigures:
    """What staff of one council did with one known incident's card (INCIDENT_DEFINITIONS)."""

    incident_id: str
    council: str
    shown: int = 0
    affected: int = 0
    subscribed: int = 0
    told: int = 0  # update messages to subscribers
    different: int = 0
    tickets: int = 0  # linked to the incident
    avoided: int = 0  # affected, and no ticket or live chat within the window after


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


def cost_avoided(counts: Mapping[str, Figures], costs: Mapping[str, Cost], default: Cost) -> tuple[float, float]:
    """(confirmed x cost per contact, (confirmed + potential) x cost per contact), each council's
    questions (``counts`` by council) at its own cost: a range, never one figure."""
    low = high = 0.0
    for council, row in counts.items():
        cost = costs.get(council, default).amount
        low += row.confirmed * cost
        high += (row.confirmed + row.potential) * cost
    return low, high


def shown(count: int) -> str:
    """A count as the committee may see it: under SMALL, only that it is small."""
    return f"<{SMALL}" if 0 < count < SMALL else str(count)


@dataclass(frozen=True)
class Gap:
    """A topic staff asked about that no article answered, or whose answer did not help."""

    label: str  # its distinctive terms, as "parking permit renew"
    size: int
    councils: dict[str, int]
    examples: tuple[str, ...]  # a few of its questions, redacted
    questions: tuple[int, ...] = ()  # the ids of its questions in the store


@dataclass(frozen=True)
class GapRun:
    """The gaps found at ``at`` among the questions asked in [since, until)."""

    at: float
    since: float
    until: float
    questions: int  # how many questions were clustered
    gaps: list[Gap]
