"""Follow-ups that keep the thread: "its on my laptop not my phone", "what about on my phone?",
"for a visitor" refine the question just asked. Such a message is searched together with the
conversation's thread (the question and its refinements so far), and the thread is what a
ticket's summary is drafted from.

Plain Python, read by the answer action; tested without Rasa.
"""

from __future__ import annotations

import re

from bot.knowledge.facets import FACETS, NEGATED, mentioned, words_of
from bot.vague import FILLERS

MAX_REFINEMENT_WORDS = 10  # longer than this, a message says enough to be searched on its own
MAX_THREAD_CHARS = 300  # the question and a few refinements; the oldest words go first
THREAD_SEPARATOR = "; "
# Words that only place a question ("what about on my phone instead?"): a message of these and
# of facet words (bot/knowledge/facets.py) refines the last question; any other word makes it new.
WORD = re.compile(r"[a-z]+")
PLACING = FILLERS | frozenset(
    WORD.findall("""
    about also am and as at but by from how if in instead is it its not of on only or rather same than
    that then they to too using via well what when where which while who whose work working yes
    """)
)


# Every facet value's words, longest first, so that "outlook on the web" goes before "outlook"
FACET_PHRASES = sorted({w for f in FACETS.values() for v in f.values.values() for w in v.words}, key=len, reverse=True)


def could_refine(text: str | None) -> bool:
    """A short message made only of facet words ("laptop", "a visitor") and words that place a
    question ("what about", "its on my", "not my"): it says nothing new to search on its own."""
    lowered = " " + " ".join(WORD.findall((text or "").lower().replace("'", ""))) + " "
    if not lowered.strip() or len(lowered.split()) > MAX_REFINEMENT_WORDS or (text or "").startswith("/"):
        return False
    rest = lowered
    for phrase in FACET_PHRASES:
        rest = rest.replace(f" {phrase} ", " ")
    return rest != lowered and set(rest.split()) <= PLACING


def joined(thread: str, text: str) -> str:
    """The thread with ``text`` added. A facet ``text`` names replaces what the thread said of it
    ("email not syncing on my phone" + "what about my laptop" drops "phone"). Kept to
    MAX_THREAD_CHARS by dropping the oldest words."""
    for facet, values in mentioned(text).items():
        others = words_of(facet, set(FACETS[facet].values) - values)
        for word in sorted(others, key=len, reverse=True):
            thread = re.sub(rf"\b{re.escape(word)}\b", " ", thread, flags=re.IGNORECASE)
    whole = f"{' '.join(thread.split())}{THREAD_SEPARATOR}{text.strip()}"
    return whole if len(whole) <= MAX_THREAD_CHARS else whole[-MAX_THREAD_CHARS:].split(" ", 1)[-1]


def searchable(thread: str) -> str:
    """What to search for a thread: its words without the ones denied ("not my phone")."""
    return " ".join(NEGATED.sub(" ", thread.replace(THREAD_SEPARATOR, " ")).split())
