"""Facets: what tells two otherwise alike articles apart (the device, the app, where the person is).

An editor sets them in an article's front matter (``facets: {device: phone}``). When the best
articles for a question differ by one facet only, the chat asks that one question ("Which device
is it on?") instead of listing titles; a follow-up that names a value ("on my laptop") is read
with these words. The vocabulary is here, in one place, so replies and articles use the same
labels; a value an article sets must be one of these.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass


@dataclass(frozen=True)
class Value:
    label: str  # the button a person presses: short, it must fit a Teams button
    words: tuple[str, ...]  # how staff say it: "laptop", "my iphone"


@dataclass(frozen=True)
class Facet:
    question: str
    values: Mapping[str, Value]


def _words(text: str) -> tuple[str, ...]:
    return tuple(w.strip() for w in text.split(",") if w.strip())


FACETS: Mapping[str, Facet] = {
    "device": Facet(
        "Which device is it on?",
        {
            "computer": Value("Laptop or PC", _words("laptop, pc, computer, desktop, mac, macbook, surface")),
            "phone": Value("Phone or tablet", _words("phone, mobile, iphone, android, ipad, tablet, smartphone")),
        },
    ),
    "place": Facet(
        "Where are you working?",
        {
            "office": Value("In a council building", _words("office, building, council offices, on site, at work")),
            "remote": Value("At home or away", _words("home, remote, remotely, away, travelling, hotel, wfh")),
        },
    ),
    "for": Facet(
        "Who is it for?",
        {
            "staff": Value("Me, I work here", _words("myself, staff, colleague, colleagues")),
            "visitor": Value("A visitor", _words("visitor, visitors, guest, guests, contractor, contractors")),
        },
    ),
    "app": Facet(
        "Which app is it in?",
        {
            "outlook": Value("Outlook", _words("outlook, email app")),
            "web": Value("A web browser", _words("browser, webmail, outlook on the web, owa, edge, chrome")),
            "teams": Value("Teams", _words("teams")),
        },
    ),
}

ArticleFacets = Mapping[str, str]  # facet name -> value name, as an article's front matter sets them
Wanted = Mapping[str, Set[str]]  # facet name -> the values a question names ("on my laptop")


def problems_with(facets: object) -> list[tuple[str, str]]:
    """(field, message) for each thing wrong with an article's ``facets`` front matter."""
    if not isinstance(facets, dict) or not facets:
        return [("facets", "must be a mapping such as 'device: phone'")]
    found = []
    for name, value in facets.items():
        facet = FACETS.get(name)
        if facet is None:
            found.append(("facets", f"unknown facet {name!r} (known: {', '.join(FACETS)})"))
        elif value not in facet.values:
            found.append((f"facets.{name}", f"must be one of {', '.join(facet.values)}, got {value!r}"))
    return found


@dataclass(frozen=True)
class FacetQuestion:
    facet: str
    question: str
    choices: tuple[tuple[str, str], ...]  # (article id, the value's label)


def facet_question(candidates: Sequence[tuple[str, ArticleFacets]]) -> FacetQuestion | None:
    """The one question that tells ``candidates`` ((article id, facets), best first) apart: a facet
    each of them sets to a different value, when they agree on every other facet they share. None
    when titles are the better question."""
    if len(candidates) < 2:
        return None
    for name, facet in FACETS.items():
        values = [facets.get(name) for _, facets in candidates]
        if None in values or len(set(values)) != len(values):
            continue
        others = {other for _, facets in candidates for other in facets if other != name}
        if all(len({f[o] for _, f in candidates if o in f}) == 1 for o in others):
            labels = (facet.values[str(value)].label for value in values)
            choices = tuple((article_id, label) for (article_id, _), label in zip(candidates, labels, strict=False))
            return FacetQuestion(name, facet.question, choices)
    return None


# "not my phone", "not on the laptop", "rather than at home": a value denied (not "not working")
NEGATED = re.compile(
    r"\b(?:not|rather than|instead of)\s+(?:(?:on|in|at|from)\s+)?(?:my|the|a|an|your)\s+(\w+)|"
    r"\b(?:not|rather than|instead of)\s+(?:on|in|at|from)\s+(\w+)"
)


def fits(facets: ArticleFacets, wanted: Wanted) -> bool:
    """Whether an article with ``facets`` suits a question that names ``wanted`` values: it sets
    none of those facets, or sets them to a value named."""
    return all(facets.get(name) in values for name, values in wanted.items() if name in facets)


def words_of(facet: str, values: Iterable[str]) -> set[str]:
    """The words staff use for ``values`` of ``facet``."""
    return {w for value in values for w in FACETS[facet].values[value].words}


def mentioned(text: str) -> dict[str, set[str]]:
    """Facet values ``text`` names and does not deny: "on my laptop not my phone" -> {device: {computer}}."""
    lowered = " " + " ".join(re.findall(r"[a-z]+", text.lower())) + " "
    denied = {m.group(1) or m.group(2) for m in NEGATED.finditer(text.lower())}
    found: dict[str, set[str]] = {}
    for name, facet in FACETS.items():
        for value_name, value in facet.values.items():
            if any(f" {w} " in lowered and w not in denied for w in value.words):
                found.setdefault(name, set()).add(value_name)
    return found
