"""Messages that say something is wrong but not what: "it's broken", "help", "not working",
"hi i have a problem". Nothing in them can be searched, so the bot asks one question instead
(``bot.replies.narrow``), or, after an article was tried, takes them as "that didn't help".

Plain Python, read by both servers: the Rasa server's NLU marks such messages (intent ``vague``,
bot/nlu/rule_intents.py) and the action server decides what they get.
"""

from __future__ import annotations

import re


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words that carry nothing to search for. A message made only of these, with trouble in it, is vague;
# any other word (a device, an app, a place, an error code) is searched.
FILLERS = _words(
    """
    a again all am an and any anymore anything are asap at be been can computer do does erm everything for got
    have having hello hey hi hiya i ict im is it its ive just keep keeps me mine morning my need now ok okay on
    please pls plz quick really right so some something somethings still stuff support the there thing things
    this today totally u ugh um up very with you
    """
)
TROUBLE = _words(
    """
    acting borken broke broken brokn bust busted crashed crashing dead down error errors fault faulty halp help
    issue issues odd playing problem problems query question sos strange urgent weird wrong
    """
)
NEGATIONS = _words("aint cant didnt doesnt dont hasnt isnt never no not nothing stopped wont")
WORKING = _words("work working works workin")
WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")


def is_vague(text: str | None) -> bool:
    """True for a message that says something is wrong but not what. "no", "ok", "hi" and "it's
    working now" are not: they say no trouble."""
    words = {w.replace("'", "") for w in WORD.findall((text or "").lower().replace("\u2019", "'"))}
    if not words or not words <= FILLERS | TROUBLE | NEGATIONS | WORKING:
        return False
    return bool(words & TROUBLE) or bool(words & NEGATIONS and words & WORKING)
