"""Take the passwords, PINs, keys and tokens staff type to the bot out of text before it is kept or sent on.
What counts as a secret is in bot/redaction_patterns.py; this module finds and replaces them.

Standard library only: it runs in the Rasa server (Python 3.10) and the action server (3.11) alike.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from typing import Any

from bot.redaction_patterns import (
    ADVERBS,
    CLAUSE_WORDS,
    LEADS,
    LINKS,
    LOOK_ALIKES,
    MIN_SECRET_CHARS,
    MIN_UNLINKED_CHARS,
    NOT_SECRETS,
    SECRET_WORDS,
    SENTENCE_WORDS,
    SHAPES,
    WEAK_LINKS,
)

REDACTED = "[redacted]"


def _words(word: str) -> str:
    """The regular expression for a secret word with its look-alike spellings."""
    out = []
    for char in word:
        if char == " ":
            out.append(r"[\s_-]?")
        elif char in LOOK_ALIKES:
            out.append(f"[{re.escape(char + LOOK_ALIKES[char])}]")
        else:
            out.append(re.escape(char))
    return "".join(out)


_APP = r"(?:[^\s,;:!?]+\s+){0,3}?[^\s,;:!?]+"


def _phrase(phrase: str) -> str:
    """The regular expression for a link or a lead: words whole ("is" is not the start of "isn't"),
    a dash only between spaces ("password-protected" is not "password - X")."""
    out = []
    for token in phrase.split():
        if token == "<app>":
            out.append(_APP)
        elif token in ("-", "–", "—"):
            out.append(rf"(?<=\s){token}(?=\s)")
        elif token[0].isalnum():
            out.append(re.escape(token).replace("'", "['’]") + r"(?![\w'’])")
        else:
            out.append(re.escape(token))
    return r"\s*".join(out)


def _either(patterns: list[str]) -> str:
    return "(?:" + "|".join(sorted(patterns, key=len, reverse=True)) + ")"


_LINK = _either([_phrase(p) for p in LINKS])
_LEAD = _either([_phrase(p) for p in LEADS])
_ADVERB = _either([_phrase(p) for p in ADVERBS])
_SAID = re.compile(
    rf"(?<![^\W_])(?P<word>{_either([_words(w) for w in SECRET_WORDS])})(?![^\W_])"
    rf"(?:(?P<link>\s*(?:{_LEAD}\s*){{0,2}}{_LINK}(?:\s*(?:{_LINK}|{_ADVERB}))*)\s*"
    rf"|\s+(?P<weak>{_either([_phrase(p) for p in WEAK_LINKS])})\s+"
    r"|\s+)"
    r"(?:[\"“‘'`](?P<quoted>[^\"“”‘’'`\n]{1,200})[\"”’'`]|(?P<bare>\S+))",
    re.IGNORECASE,
)
_PLAIN_OK = {word.replace(" ", ""): plain for word, plain in SECRET_WORDS.items()}
_UNDO_LOOK_ALIKES = str.maketrans({alike: char for char, alikes in LOOK_ALIKES.items() for alike in alikes})
_OPENERS, _CLOSERS = "([{<\"'“‘`", ")]}>.,;:\"'”’`"
_CLAUSE_ENDS = re.compile(r"[!?]*[ \t]*(?:$|[\n.,;:!?)\]])")
_SPOKEN_CLAUSE_ENDS = re.compile(rf"[!?]*[ \t]*(?:$|[\n.,;:!?)\]]|{_either(sorted(CLAUSE_WORDS))}\b)", re.IGNORECASE)
_CONTRACTION = re.compile(r"[a-z]+['’](?:t|s|re|ve|ll|d|m)")
_EDGES = re.compile(r"^\W+|\W+$")


def _is_sentence_word(value: str) -> bool:
    """A word that is more likely the sentence going on than a secret ("not", "expired", "isn't")."""
    word = _EDGES.sub("", value).lower()
    return (
        not word
        or word in SENTENCE_WORDS
        or bool(_CONTRACTION.fullmatch(word))
        or (word.isalpha() and word.endswith(("ing", "ed", "ly")))
    )


def _shaped(value: str) -> bool:
    """A digit or a symbol in it: the strongest sign a value is a secret, not a word."""
    return any(c.isdigit() or not (c.isalpha() or c in "-'’.") for c in value) and any(c.isalnum() for c in value)


def _is_secret(value: str, linked: bool, plain_word_ok: bool) -> bool:
    """Whether ``value``, the token after a secret word and maybe a link, is the secret."""
    value = value.rstrip("!?")  # kept in what is redacted ("Winter2026!"), but no sign of a secret ("rules?")
    if len(value) < MIN_SECRET_CHARS or _is_sentence_word(value) or any(p.fullmatch(value) for p in NOT_SECRETS):
        return False
    if value.isdigit():
        return True  # a PIN, or a password of digits
    if not linked:
        return _shaped(value) and len(value) >= MIN_UNLINKED_CHARS
    camel = re.search(r"[a-z][A-Z]", value) is not None
    return _shaped(value) or camel or (plain_word_ok and value.isalpha())


def _said(text: str) -> Iterator[tuple[int, int]]:
    """Where the values are in "<secret word> <link> <value>"."""
    pos = 0
    while (match := _SAID.search(text, pos)) is not None:
        word = re.sub(r"[\s_-]", "", match.group("word").lower()).translate(_UNDO_LOOK_ALIKES)
        link = match.group("link")
        if match.group("quoted") is not None:
            # quotes mark a value as deliberate: after a link, several plain words are a passphrase
            # ("correct horse battery staple"), unless all of them could be a message quoted ("not valid")
            start, end = match.span("quoted")
            quoted = match.group("quoted")
            if link and len(quoted.strip()) >= MIN_SECRET_CHARS:
                found = not all(_is_sentence_word(w) for w in quoted.split())
            else:
                found = _is_secret(quoted, False, plain_word_ok=False)
        else:
            start, end = match.span("bare")
            while start < end and text[start] in _OPENERS:
                start += 1
            while end > start and text[end - 1] in _CLOSERS:
                end -= 1
            # a plain word is the secret only where the sentence moves on after it: after a spoken link
            # ("is sunshine and it fails"), or, after ":" or "-", at the end of a line or clause
            # ("username: jsmith, password: sunshine" but not "knows your password: deny it")
            clause_ends = _SPOKEN_CLAUSE_ENDS if link and link.rstrip()[-1:].isalpha() else _CLAUSE_ENDS
            plain_word_ok = _PLAIN_OK.get(word, False) and clause_ends.match(text, end) is not None
            found = _is_secret(text[start:end], link is not None, plain_word_ok)
        if found:
            yield start, end
            pos = end
        else:
            pos = match.end("word")


def _shapes(text: str) -> Iterator[tuple[int, int]]:
    for pattern in SHAPES:
        for match in pattern.finditer(text):
            yield match.span("s") if "s" in pattern.groupindex else match.span()


def _spans(text: str) -> list[tuple[int, int]]:
    """Every secret's (start, end) in ``text``, overlaps merged, in order."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted([*_said(text), *_shapes(text)]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def typed_secrets(text: str) -> list[str]:
    """The secrets in ``text``, as typed: to take them out of anything else that repeats them."""
    return [text[start:end] for start, end in _spans(text)]


def redact_typed_secrets(text: str) -> str:
    """``text`` with every password, PIN, key or token in it replaced by [redacted]."""
    out, last = [], 0
    for start, end in _spans(text):
        out += [text[last:start], REDACTED]
        last = end
    out.append(text[last:])
    return "".join(out)


def redacted_event(event: dict[str, Any]) -> dict[str, Any]:
    """A Rasa event (``Event.as_dict()``) as it may be stored or streamed: a user's message with
    typed secrets replaced, in its text and in its parse data."""
    text = event.get("text")
    if event.get("event") != "user" or not isinstance(text, str):
        return event
    clean = redact_typed_secrets(text)
    if clean == text:
        return event
    stored = copy.deepcopy(event)
    stored["text"] = clean
    if isinstance(stored.get("parse_data"), dict):
        stored["parse_data"]["text"] = clean
    return stored
