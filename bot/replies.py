"""The bot's messages, each with a machine-readable ``custom`` part that channels and tests rely on.

``custom`` keys (only those that apply): ``decision`` (answer | clarify | escalate | elsewhere |
narrow), ``article_id``, ``candidates`` (article ids), ``flow`` (welcome | contact | ticket_offer |
ticket_declined | ticket_created | ticket_recorded | ticket_undeliverable | ticket_comment |
ticket_status | handoff_queued | handoff_started | handoff_message | handoff_notice | handoff_ended),
``starters`` (the welcome's starter topics: article ids), ``handoff_id``, ``ticket_ref``, ``ticket_url``,
``receipt`` (the outbox's ASKIT-... reference, before the desk has answered), ``desk`` (the phone
number offered and whether the line is open now). Plain Python: imported by actions and channels alike.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypedDict

from bot.details import DETAILS, DONT_KNOW
from bot.priority import is_major_incident


class Button(TypedDict):
    title: str
    payload: str


class Reply(TypedDict):
    text: str
    buttons: list[Button]
    custom: dict[str, Any]


HELPED = Button(title="Yes, that helped", payload="/helped")
NOT_HELPED = Button(title="No, that didn't help", payload="/not_helped")  # the words articles ask for
YES = Button(title="Yes", payload="/affirm")
NO = Button(title="No", payload="/deny")


def choose_article_payload(article_id: str) -> str:
    return "/choose_article" + json.dumps({"article_id": article_id}, separators=(",", ":"))


ANSWER_PROMPT = "Did this help?"
# What a channel says when a turn fails on AskIT's side: the user must still hear something.
SORRY = "Sorry, something went wrong on my side. Please try again in a minute, or phone the service desk."


@dataclass(frozen=True)
class DeskLine:
    """The service desk's phone line as one member of staff should hear it (bot/contacts.py)."""

    phone: str
    open: bool
    when: str  # "open now, until 18:00" or "closed now; it opens at 08:00 tomorrow"
    urgent_phone: str | None = None

    def sentence(self) -> str:
        if self.open:
            return f"the service desk is on **{self.phone}** ({self.when})"
        closed = f"the service desk's phone line, **{self.phone}**, is {self.when}"
        if self.urgent_phone:
            closed += f"; for an emergency affecting many people, the urgent line is **{self.urgent_phone}**"
        return closed

    def custom(self) -> dict[str, Any]:
        return {"phone": self.phone, "open": self.open}


@dataclass(frozen=True)
class Team:
    """Who handles a question the service desk does not, for this member of staff's council."""

    name: str
    ways: tuple[str, ...]  # a phone number, an e-mail address, a web page: as many as are known


def show_all_payload(article_id: str) -> str:
    return "/show_article" + json.dumps({"article_id": article_id}, separators=(",", ":"))


def answer(article_id: str, title: str, body: str, whole: bool = True) -> Reply:
    """An article's answer: ``body`` is the whole article, or (``whole`` False) the part that
    matches the question, with a button for the rest. The feedback buttons come first."""
    more = [] if whole else [Button(title="Show all steps", payload=show_all_payload(article_id))]
    return Reply(
        text=f"**{title}**\n\n{body}\n\n{ANSWER_PROMPT}",
        buttons=[HELPED, NOT_HELPED, *more],
        custom={"decision": "answer", "article_id": article_id},
    )


def answer_parts(text: str) -> tuple[str, str] | None:
    """The (title, body) of a text made by ``answer``, for channels that lay answers out as cards."""
    head, sep, rest = text.partition("\n\n")
    suffix = f"\n\n{ANSWER_PROMPT}"
    if not (sep and head.startswith("**") and head.endswith("**") and len(head) > 4 and rest.endswith(suffix)):
        return None
    return head[2:-2], rest[: -len(suffix)]


MAX_FIRST_NAME_CHARS = 40


def first_name(name: str | None) -> str | None:
    """The first name to greet someone by, from a verified display name: "Robin Example", or
    "Example, Robin" as council directories often write it; None when there is none to use."""
    if not name:
        return None
    given = name.split(",", 1)[1] if "," in name else name
    words = given.split()
    first = words[0] if words else ""
    # Letters, and the hyphens and apostrophes of names: nothing a channel's Markdown would read.
    if not first or len(first) > MAX_FIRST_NAME_CHARS or not all(c.isalpha() or c in "-'’." for c in first):
        return None
    return first if any(c.isalpha() for c in first) else None


def welcome(
    known: Sequence[tuple[str, str, str]] = (),
    starters: Sequence[tuple[str, str]] = (),
    name: str | None = None,
) -> Reply:
    """What a new user sees first (Teams, when the app is added; the widget, when a conversation
    starts): a greeting (by ``name``, a first name, when known); first, the known problems of their
    council (``known``: incident id, title, summary); then their council's starter topics
    (``starters``: article id, title), each a button that answers with that article, or, with
    none, examples of what to ask."""
    examples = ("I forgot my password", "The VPN won't connect", "How do I add a printer?")
    problems = "".join(f"**Known problem: {title}.** {summary}\n\n" for _, title, summary in known)
    hello = f"Hello {name}, I'm AskIT" if name else "Hello, I'm AskIT"
    offer = "Or choose a common topic:" if starters else "For example:"
    if starters:
        buttons = [Button(title=title, payload=choose_article_payload(aid)) for aid, title in starters]
    else:
        buttons = [Button(title=e, payload=e) for e in examples]
    custom: dict[str, Any] = {"flow": "welcome"}
    if known:
        custom["incidents"] = [i for i, _, _ in known]
    if starters:
        custom["starters"] = [aid for aid, _ in starters]
    return Reply(
        text=f"{problems}{hello}, the IT help assistant for council staff. Ask me an IT question in your "
        "own words and I'll find the answer in the knowledge base, or raise a ticket with the service desk for you, "
        f"with our conversation attached. {offer}",
        buttons=buttons,
        custom=custom,
    )


def clarify(candidates: Sequence[tuple[str, str]]) -> Reply:
    """``candidates`` are (article id, title)."""
    many = len(candidates) > 1
    text = "I found a few articles that might help. Which is closest?" if many else "Is this what you need?"
    buttons = [Button(title=title, payload=choose_article_payload(aid)) for aid, title in candidates]
    buttons.append(Button(title="None of these", payload="/not_helped"))
    return Reply(text=text, buttons=buttons, custom={"decision": "clarify", "candidates": [a for a, _ in candidates]})


def facet_choice(question: str, facet: str, choices: Sequence[tuple[str, str]]) -> Reply:
    """The best articles differ by one facet only (bot/knowledge/facets.py): ask about that,
    ``choices`` being (article id, the facet value's label), instead of listing titles."""
    buttons = [Button(title=label, payload=choose_article_payload(aid)) for aid, label in choices]
    buttons.append(Button(title="None of these", payload="/not_helped"))
    custom = {"decision": "clarify", "candidates": [a for a, _ in choices], "facet": facet}
    return Reply(text=question, buttons=buttons, custom=custom)


ELSEWHERE_NOTE = "If I've got that wrong and it is an IT problem, tell me a bit more about it."


def elsewhere(article_id: str, body: str, team: Team | None = None) -> Reply:
    """A question the service desk does not handle: where to go instead (the team for the user's
    council, when configured), and no ticket offered."""
    custom: dict[str, Any] = {"decision": "elsewhere", "article_id": article_id}
    contact = ""
    if team is not None:
        custom["team"] = team.name
        contact = f"\n\n**Who to contact:** {', '.join((team.name, *team.ways))}"
    return Reply(text=f"{body}{contact}\n\n{ELSEWHERE_NOTE}", buttons=[], custom=custom)


AREAS = (
    ("Password or signing in", "I can't sign in or I've forgotten my password"),
    ("Email or Outlook", "Outlook or my email isn't working"),
    ("Wi-Fi, internet or VPN", "I can't connect to the internet, Wi-Fi or VPN"),
    ("Printing", "I can't print"),
    ("Teams, calls or meetings", "Teams or a meeting isn't working"),
    ("Laptop, screen or keyboard", "My laptop or screen isn't working properly"),
    ("Phone", "My work mobile or desk phone isn't working"),
)


def narrow() -> Reply:
    """A first message too vague to search ("it's broken", "help"): one question, common areas as
    buttons, and no ticket before anything was tried."""
    return Reply(
        text="Sorry to hear that. What is it about? Pick one, or tell me in a few words what isn't working "
        '(for example "Outlook keeps asking for my password").',
        buttons=[Button(title=title, payload=said) for title, said in AREAS],
        custom={"decision": "narrow"},
    )


def escalate() -> Reply:
    return Reply(
        text="I couldn't find an article that fits. Would you like me to raise a ticket with the service desk?",
        buttons=[YES, NO],
        custom={"decision": "escalate", "flow": "ticket_offer"},
    )


def ticket_offer(reason: str, article_id: str | None = None) -> Reply:
    texts = {
        "not_helped": "Sorry that didn't sort it. Shall I raise a ticket so someone from the service desk can help?",
        "missing_article": "Sorry, I can't find that article any more. Shall I raise a ticket instead?",
    }
    custom: dict[str, Any] = {"flow": "ticket_offer", "reason": reason}
    if article_id:
        custom["article_id"] = article_id
    return Reply(text=texts[reason], buttons=[YES, NO], custom=custom)


RAISE_TICKET = Button(title="Yes, raise a ticket", payload="/affirm")
NO_TICKET = Button(title="No ticket", payload="/deny")


def person(desk: DeskLine, offer_ticket: bool) -> Reply:
    """Asked for a person: the desk's phone line for the user's council and whether it is open now,
    then the ticket, unless the user has said they don't want one."""
    if not offer_ticket:
        return Reply(
            text=f"To talk to a person, {desk.sentence()}.",
            buttons=[],
            custom={"flow": "contact", "desk": desk.custom()},
        )
    then = (
        "Or I can raise a ticket now, with our conversation attached, so you don't have to explain it again."
        if desk.open
        else "I can raise a ticket now, with our conversation attached, and the team will pick it up when they open."
    )
    return Reply(
        text=f"To talk to a person, {desk.sentence()}. {then} Shall I?",
        buttons=[RAISE_TICKET, NO_TICKET],
        custom={"flow": "ticket_offer", "reason": "human", "desk": desk.custom()},
    )


def no_ticket(desk: DeskLine) -> Reply:
    """The user declined a ticket or left the ticket form: nothing raised, and the phone line instead."""
    return Reply(
        text=f"OK, I won't raise a ticket. If you'd rather talk to someone, {desk.sentence()}. "
        "Anything else I can help with?",
        buttons=[],
        custom={"flow": "ticket_declined", "desk": desk.custom()},
    )


def desk_unavailable(desk: DeskLine) -> Reply:
    return Reply(
        text=f"Sorry, I can't reach the service desk system just now. Please try again in a few minutes; "
        f"{desk.sentence()}.",
        buttons=[],
        custom={"error": "service_desk_unavailable", "desk": desk.custom()},
    )


def ask_detail(name: str) -> Reply:
    """One detail the service desk needs for this kind of problem (bot/details.py), skippable."""
    return Reply(
        text=DETAILS[name].question,
        buttons=[Button(title=DONT_KNOW, payload="/skip_detail")],
        custom={"flow": "ticket_offer", "step": name},
    )


def start_again(summary: str, title: str) -> Reply:
    """What was typed for the ticket's summary is a problem an article answers: look it up first?"""
    text = f'I have an article that may help with that: "{title}". Shall I start again with "{summary}", '
    return _instead_of_ticket(text, "Yes, start again with this", {"summary": summary})


def known_problem_instead(summary: str, incident_id: str, title: str) -> Reply:
    """What was typed for the ticket's summary is a known incident: see what is known first?"""
    text = f'That sounds like a known problem the service desk is already working on: "{title}". Shall I show you '
    return _instead_of_ticket(text + "what's known, ", "Yes, show me", {"summary": summary, "incident_id": incident_id})


def _instead_of_ticket(asked: str, yes: str, custom: dict[str, Any]) -> Reply:
    """``asked`` + "instead of raising the ticket?", with "yes" (``/start_again``), "no, raise it" and "cancel"."""
    return Reply(
        text=asked + "instead of raising the ticket?",
        buttons=[
            Button(title=yes, payload="/start_again"),
            Button(title="No, raise the ticket", payload="/affirm"),
            Button(title="Cancel", payload="/deny"),
        ],
        custom={"flow": "ticket_offer", "step": "start_again", **custom},
    )


def confirm_summary(summary: str) -> Reply:
    return Reply(
        text=f'I\'ll raise a ticket with this summary:\n\n"{summary}"\n\n'
        'Shall I go ahead? Say yes, type a better summary, or say "cancel".',
        buttons=[YES, NO],
        custom={"flow": "ticket_offer", "step": "confirm_summary", "summary": summary},
    )


MAJOR_INCIDENT_NOTE = (
    " This sounds like a major incident affecting many people, so I've marked it priority 1 for the "
    "major-incident team."
)


@dataclass(frozen=True)
class Routed:
    """Where a ticket went and what that promises, for the confirmation."""

    priority: str
    group: str  # the resolver group's id, such as end-user-computing
    response_time: str | None = None  # "within 1 working day", for this priority and council
    call_back: str | None = None  # the number the user gave the desk to call them on
    incident_id: str | None = None  # the known incident it is linked to (bot/incidents)

    @property
    def major_incident(self) -> bool:
        return is_major_incident(self.priority)

    def sentence(self) -> str:
        if self.major_incident:
            return MAJOR_INCIDENT_NOTE
        team = team_name(self.group)
        expect = f", so expect someone to pick it up {self.response_time}" if self.response_time else ""
        linked = " It's linked to the known problem the service desk is already fixing." if self.incident_id else ""
        return f" It's with the {team} team as priority {self.priority}{expect}.{linked}"

    def hear_back(self) -> str:
        if self.call_back:
            return f" They'll call you on {self.call_back} or reply by e-mail."
        return " They'll reply by e-mail, or phone you if they need to."

    def custom(self) -> dict[str, Any]:
        custom = {"major_incident": self.major_incident, "priority": self.priority, "group": self.group}
        custom |= {"response_time": self.response_time} if self.response_time else {}
        return custom | ({"incident_id": self.incident_id} if self.incident_id else {})


def follow_it(url: str | None) -> str:
    """The sentence that links a ticket's page, which a channel with an "Open ticket" button leaves out."""
    return f" You can [follow it on the service desk's site]({url})." if url else ""


def ticket_created(ref: str, url: str | None, routed: Routed) -> Reply:
    """The ticket's reference, where it went and what that promises; then, in the last paragraph
    (all a channel that shows the rest as a card keeps), what happens next."""
    where = follow_it(url)
    return Reply(
        text=f"Done: I've raised ticket **{ref}** with the service desk, with our conversation attached, "
        f"so you won't need to explain it again.{routed.sentence()}\n\n{routed.hear_back().strip()}"
        f'{where} Ask me "what\'s happening with {ref}" any time.',
        buttons=[],
        custom={"flow": "ticket_created", "ticket_ref": ref, **routed.custom(), **_ticket_url(url)},
    )


def ticket_recorded(receipt: str, routed: Routed) -> Reply:
    """The request is safe in the outbox but the desk has not answered yet."""
    return Reply(
        text=f"I've recorded your request as **{receipt}**, with our conversation attached.{routed.sentence()}"
        f"{routed.hear_back()} The service desk system is slow to answer just now, so I'll pass it on "
        "automatically and tell you its ticket number as soon as I have it. Nothing more for you to do.",
        buttons=[],
        custom={"flow": "ticket_recorded", "receipt": receipt, **routed.custom()},
    )


def ticket_news(receipt: str, ref: str | None, url: str | None, desk: DeskLine) -> Reply:
    """A request recorded earlier has reached the desk (ref), or could not be delivered (no ref)."""
    if ref is None:
        return Reply(
            text=f"I'm sorry: I couldn't pass your request {receipt} to the service desk. The team has been "
            f"alerted and will send it on. If it's urgent, {desk.sentence()}.",
            buttons=[],
            custom={"flow": "ticket_undeliverable", "receipt": receipt},
        )
    return Reply(
        text=f"Update: your request {receipt} is now service desk ticket **{ref}**.{follow_it(url)}",
        buttons=[],
        custom={"flow": "ticket_created", "receipt": receipt, "ticket_ref": ref, **_ticket_url(url)},
    )


def chat_logged(ref: str, url: str | None) -> Reply:
    """A live chat's record (bot/servicedesk/live_chat.py) has reached the desk: its ticket, which
    the user was never given a receipt for, so none is named."""
    return Reply(
        text=f"The service desk has logged your chat with them as ticket **{ref}**.{follow_it(url)}",
        buttons=[],
        custom={"flow": "handoff_logged", "ticket_ref": ref, **_ticket_url(url)},
    )


def _ticket_url(url: str | None) -> dict[str, str]:
    return {"ticket_url": url} if url else {}


def comment_added(ref: str) -> Reply:
    return Reply(
        text=f"I've added that to ticket {ref}.", buttons=[], custom={"flow": "ticket_comment", "ticket_ref": ref}
    )


def comment_needs(what: str, refs: Sequence[str] = ()) -> Reply:
    """Ask for what is missing: "text" (what to add) or "ticket" (which of ``refs``)."""
    if what == "text":
        text = 'What should I add? For example: "Add to my ticket: it now happens on my second laptop too".'
    elif refs:
        text = f'Which ticket should I add it to? {", ".join(refs)}. Say, for example, "add to {refs[0]}: ...".'
    else:
        text = 'You have no open tickets with us to add that to. Shall I raise a new one? Say "raise a ticket".'
    return Reply(text=text, buttons=[], custom={"flow": "ticket_comment", "missing": what, "tickets": list(refs)})


def ticket_failed(desk: DeskLine) -> Reply:
    return Reply(
        text="Sorry, something went wrong on my side and I couldn't record your request, so no ticket was raised. "
        f"Please try again in a few minutes; {desk.sentence()}.",
        buttons=[],
        custom={"error": "service_desk_unavailable"},  # no flow: nothing was recorded
    )


@dataclass(frozen=True)
class TicketLine:
    """One of the requester's tickets as the status reply shows it."""

    ref: str
    status: str
    summary: str
    team: str | None = None  # "the Network team", or the desk's own name for the team it is with
    updated: str | None = None  # when the desk last changed it, in the requester's time zone
    reply: str | None = None  # the desk's latest public reply, as the requester would read it there
    replied: str | None = None  # when the desk wrote it

    def sentence(self) -> str:
        more = [f"with {self.team}" if self.team else "", f"last updated {self.updated}" if self.updated else ""]
        extra = "; ".join(m for m in more if m)
        line = f'- {self.ref}: {self.status}, "{self.summary}"' + (f" ({extra})" if extra else "")
        if self.reply:
            when = f" ({self.replied})" if self.replied else ""
            line += f'\n  Latest from the service desk{when}: "{clip(self.reply, MAX_REPLY_CHARS)}"'
        return line


MAX_REPLY_CHARS = 400  # a reply longer than this is cut; the desk's portal has the rest


def clip(text: str, limit: int) -> str:
    """``text`` on one line, cut at a word to at most ``limit`` characters."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rsplit(" ", 1)[0] + "…"


def team_name(group: str) -> str:
    """ "end-user-computing" -> "End User Computing" """
    return " ".join(word.capitalize() for word in group.split("-"))


def ticket_status(lines: Sequence[TicketLine], asked_ref: str | None, chased: bool = False) -> Reply:
    """``lines``: the requester's tickets that answer the question; ``chased``: a chase note was
    just added to ``asked_ref``."""
    if not lines:
        text = f"I can't find a ticket {asked_ref} raised by you." if asked_ref else "You have no open tickets with us."
    else:
        text = "Here's what I found:\n" + "\n".join(line.sentence() for line in lines)
    if chased:
        text = f"I've chased {asked_ref} with the service desk: they can see you're waiting for an update. {text}"
    custom: dict[str, Any] = {"flow": "ticket_status", "tickets": [line.ref for line in lines]}
    if len(lines) == 1:
        custom["ticket_ref"] = lines[0].ref
    if chased:
        custom["chased"] = True
    return Reply(text=text, buttons=[], custom=custom)


# -- live chat with a person (bot/handoff) ----------------------------------------------------------

CANCEL_WORDS = frozenset({"cancel", "stop", "stop waiting", "cancel chat"})


def rate_chat_payload(handoff_id: str, score: int) -> str:
    return "/rate_chat" + json.dumps({"score": str(score), "handoff_id": handoff_id}, separators=(",", ":"))


def _wait(seconds: float | None) -> str:
    if seconds is None:
        return ""
    minutes = max(1, round(seconds / 60))
    return f" The wait is usually about {minutes} minute{'s' if minutes != 1 else ''}."


def handoff_queued(handoff_id: str, position: int, wait_seconds: float | None) -> Reply:
    """A person was asked for and the user waits in the queue."""
    place = "You're next in the queue." if position <= 1 else f"You're number {position} in the queue."
    return Reply(
        text=f"I've asked the service desk for a person. {place}{_wait(wait_seconds)} Type cancel to stop waiting.",
        buttons=[],
        custom={"flow": "handoff_queued", "handoff_id": handoff_id, "position": position, "wait_seconds": wait_seconds},
    )


def no_person(why: str, opens: str | None, desk: DeskLine, offer_ticket: bool) -> Reply:
    """No live chat now (``why``: closed, busy, unverified, channel): said honestly, then the
    existing offer of the phone line and a ticket (flow ticket_offer, reason human). Where a live
    chat cannot be had at all (a channel the broker cannot reach, an unverified user), just that offer."""
    first = {
        "closed": "The service desk isn't taking live chats right now"
        + (f"; it opens again {opens}." if opens else "."),
        "busy": "Nobody from the service desk is free to chat right now.",
    }.get(why)
    then = person(desk, offer_ticket)
    if first is None:
        return then
    custom = {**then["custom"], "live_chat": why}
    return Reply(text=f"{first} {then['text']}", buttons=then["buttons"], custom=custom)


def handoff_ticket_offer(text: str, handoff_id: str) -> Reply:
    """The chat did not happen (cancelled, nobody accepted): the ticket offer, the conversation attached."""
    return Reply(
        text=f"{text} I can raise a ticket now, with our conversation attached, so you don't have to explain it"
        " again. Shall I?",
        buttons=[RAISE_TICKET, NO_TICKET],
        custom={"flow": "ticket_offer", "reason": "human", "handoff_id": handoff_id},
    )


def handoff_started(handoff_id: str, agent: str) -> Reply:
    return Reply(
        text=f"{agent} from the Service Desk has joined the chat.",
        buttons=[],
        custom={"flow": "handoff_started", "handoff_id": handoff_id, "agent": agent},
    )


def handoff_message(handoff_id: str, agent: str, text: str) -> Reply:
    return Reply(
        text=f"{agent} (Service Desk): {text}",
        buttons=[],
        custom={"flow": "handoff_message", "handoff_id": handoff_id, "agent": agent},
    )


def handoff_notice(handoff_id: str, text: str) -> Reply:
    """A line from the live chat itself (back in the queue, ...)."""
    return Reply(text=text, buttons=[], custom={"flow": "handoff_notice", "handoff_id": handoff_id})


def handoff_ended(handoff_id: str, why: str = "") -> Reply:
    """The chat closed: the bot is back, and asks how the chat went."""
    return Reply(
        text=f"{why or 'The service desk has ended the chat.'} I'm back: ask me anything. How did the chat go,"
        " from 1 (poor) to 5 (very good)?",
        buttons=[Button(title=str(n), payload=rate_chat_payload(handoff_id, n)) for n in range(1, 6)],
        custom={"flow": "handoff_ended", "handoff_id": handoff_id},
    )


def chat_rated(handoff_id: str, score: int) -> Reply:
    return Reply(
        text="Thank you for rating the chat.",
        buttons=[],
        custom={"flow": "handoff_rated", "handoff_id": handoff_id, "score": score},
    )


# -- known incidents (bot/incidents; actions/incidents.py) ----------------------------------------

INCIDENT_STATUS = {
    "investigating": "The service desk is investigating.",
    "identified": "The service desk knows the cause and is fixing it.",
    "monitoring": "A fix is in and the service desk is checking it holds.",
    "resolved": "It's fixed.",
}


def incident_payload(action: str, incident_id: str) -> str:
    """A known incident card's button: ``action`` is affected, subscribe or different."""
    return f"/incident_{action}" + json.dumps({"incident_id": incident_id}, separators=(",", ":"))


@dataclass(frozen=True)
class IncidentNews:
    """What a known incident's card says, its times already in the desk's words ("09:40")."""

    incident_id: str
    title: str
    summary: str
    status: str
    since: str
    workaround: str | None = None
    next_update: str | None = None


def known_incident(news: IncidentNews) -> Reply:
    """A message that matched an active incident: what is known, and three ways on."""
    lines = [f"**This looks like a known problem: {news.title}.** {news.summary}"]
    lines.append(f"Since {news.since}. {INCIDENT_STATUS.get(news.status, '')}".strip())
    if news.workaround:
        lines.append(f"In the meantime: {news.workaround}")
    if news.next_update:
        lines.append(f"Next update by {news.next_update}.")
    return Reply(
        text="\n\n".join(lines),
        buttons=[
            Button(title="I'm affected too", payload=incident_payload("affected", news.incident_id)),
            Button(title="Tell me when it's fixed", payload=incident_payload("subscribe", news.incident_id)),
            Button(title="My problem is different", payload=incident_payload("different", news.incident_id)),
        ],
        custom={"flow": "known_incident", "incident_id": news.incident_id, "status": news.status},
    )


def incident_update(news: IncidentNews, said: Sequence[str]) -> Reply:
    """To a subscriber, once per push: where the incident stands now, and what the desk said with
    each change since they were last told (``said``, oldest first)."""
    if news.status == "resolved":
        lines = [f"**Fixed: {news.title}.**", *said, "If something is still wrong, tell me what happens."]
    else:
        lines = [f"**Update on {news.title}:** {INCIDENT_STATUS.get(news.status, '')}", *said]
        if news.workaround:
            lines.append(f"In the meantime: {news.workaround}")
        if news.next_update:
            lines.append(f"Next update by {news.next_update}.")
    return Reply(
        text="\n\n".join(line for line in lines if line),
        buttons=[],
        custom={"flow": "incident_update", "incident_id": news.incident_id, "status": news.status},
    )


def incident_counted(incident_id: str, count: int) -> Reply:
    """ "I'm affected too": counted (once per person), and no ticket needed."""
    others = "You're the first to tell us." if count <= 1 else f"{count} people have told us so far."
    return Reply(
        text=f"Thank you, you're counted. {others} The service desk is already on it, so there's no need "
        "to raise a ticket.",
        buttons=[Button(title="Tell me when it's fixed", payload=incident_payload("subscribe", incident_id))],
        custom={"flow": "incident_affected", "incident_id": incident_id, "count": count},
    )


def incident_subscribed(incident_id: str) -> Reply:
    return Reply(
        text="I'll tell you here when it's fixed.",
        buttons=[],
        custom={"flow": "incident_subscribed", "incident_id": incident_id},
    )


def incident_over(incident_id: str) -> Reply:
    """A button on a card whose incident has been resolved (or is not known)."""
    return Reply(
        text="That problem has been fixed since. If something is still wrong, tell me what happens.",
        buttons=[],
        custom={"flow": "incident_over", "incident_id": incident_id},
    )


def incident_different() -> Reply:
    """ "My problem is different" with no question to go back to."""
    return Reply(text="OK. Tell me what's happening and I'll help.", buttons=[], custom={"flow": "incident_different"})
