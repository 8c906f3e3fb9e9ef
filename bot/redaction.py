"""Take the passwords, PINs, keys and tokens staff type to the bot out of text before it is kept or sent on.

Standard library only: it runs in the Rasa server (Python 3.10) and the action server (3.11) alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

REDACTED = "[redacted]"


def _word_set(*lines: str) -> frozenset[str]:
    return frozenset(word for line in lines for word in line.split())


# A secret is found in one of two ways. By what is said: a secret word, a link, a value ("my password
# for outlook is Hunter22"), where the value is kept unless it looks like a secret rather than the
# rest of a sentence ("my password is not working"). Or by its shape alone (a JWT, an AWS key).

# Secret words, as staff spell them; a space also matches "_", "-" or nothing ("api_key", "apikey").
# True: after "is" and the like, even a plain word is the secret ("my password is sunshine").
# False: the word has everyday senses ("my bus pass is lost", "the secret is to restart"), so the
# value must look like a secret: a digit, a symbol or a capital inside it.
SECRET_WORDS: dict[str, bool] = {
    "password": True,
    "passwrd": True,
    "pasword": True,
    "passowrd": True,
    "pssword": True,
    "passwd": True,
    "paswd": True,
    "psswd": True,
    "pword": True,
    "pwd": True,
    "pw": True,
    "passcode": True,
    "pass code": True,
    "passphrase": True,
    "pass phrase": True,
    "pass": False,
    "pin": False,
    "pin number": False,
    "pin code": False,
    "secret": False,
    "client secret": False,
    "secret key": False,
    "api key": False,
    "access key": False,
    "token": False,
    "access token": False,
    "recovery key": False,
    "recovery code": False,
}
# Letters staff swap for look-alikes: "passw0rd", "p@ssword", "pa$$word", "s3cret", "p1n".
LOOK_ALIKES = {"a": "@4", "e": "3", "i": "1", "o": "0", "s": "$5"}

# What links a secret word to its value; several may follow one another ("was changed to", "is now:").
LINKS = (
    "is",
    "was",
    "now is",
    "will be",
    "would be",
    "should be",
    "has been",
    "had been",
    "set to",
    "changed to",
    "changed it to",
    "reset to",
    "updated to",
    "=",
    ":",
    "-",
    "–",
    "—",
)
# Words that may come after a link and before the value: "is now", "is still", "was definitely".
ADVERBS = ("now", "still", "currently", "actually", "definitely", "probably", "just", "really", "always")
# What may stand between the secret word and a link: "for <app> is", "I use is". <app> is one to
# four words ("for outlook", "for my work laptop").
LEADS = (
    "for <app>",
    "on <app>",
    "to <app>",
    "at <app>",
    "I use",
    "I used",
    "I set",
    "I chose",
    "I typed",
    "I entered",
    "I have",
    "I'm using",
    "I am using",
    "I was given",
    "we use",
    "that I use",
    "that I used",
)
# Links too common in ordinary sentences to say a value follows ("changed my password to get in"):
# after these, as after no link at all, the value must look like a secret.
WEAK_LINKS = ("to", "as", "of")

# Words that continue a sentence after "my password is": never the secret itself. Besides these,
# any contraction ("isn't") and any plain word ending in -ing, -ed or -ly ("expiring", "blocked").
SENTENCE_WORDS = _word_set(
    "a an the this that these those it its my your our their his her me you we they them i he she",
    "some any all each every no none nothing something anything everything same other another both",
    "one two three four five six seven eight nine ten first second last next least more less most",
    "not never is are was were be been being am has have had do does did will would should can could",
    "may might must shall get gets got keeps kept still too also just only even already again now then",
    "currently always sometimes usually often really actually probably apparently definitely exactly",
    "fully partly very quite rather there here please thanks thank yes see below above following",
    "and or but so because if when where why how what which who whose while until since than like",
    "for from with without by to of on in at as about into over under after before via per due",
    # states a password, PIN or code is in
    "wrong right correct incorrect invalid valid expired locked unlocked blocked disabled enabled",
    "rejected accepted broken fine ok okay good bad weak strong secure insecure safe unsafe long short",
    "simple complex easy hard different new old temporary empty blank missing lost forgotten unknown",
    "known required needed optional mandatory compromised stolen shared nearly almost case sensitive",
    "visible hidden shown saved stored changed change reset set updated sent recognised recognized",
    "fixed sorted gone ready available unavailable active inactive pending done complete incomplete",
    "stuck weird strange similar whatever mine yours ours",
    # what it does
    "work works fail fails expire expires need needs seem seems appear appears say says keep stop",
    "show shows go goes come comes stay stays look looks sync syncs match matches contain contains",
    "include includes use uses",
)
# A plain word is the secret only where the sentence moves on after it ("my password is sunshine
# and it fails", "... is sunshine."), not inside a phrase ("your password is case sensitive").
CLAUSE_WORDS = _word_set(
    "and but or so then which that because since when if though although yet i it now please for on in at too"
)
MIN_SECRET_CHARS = 4  # a value shorter than this is a word or a number in a sentence ("is 8 characters")
MIN_UNLINKED_CHARS = 6  # with no link ("password Winter2026!"), only a longer value is taken as one

# Values that are not secrets even after a secret word: links, addresses, references, paths, versions.
NOT_SECRETS = (
    re.compile(r"(?:[a-z][a-z0-9+.-]*://|www\.)\S+", re.IGNORECASE),
    re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
    re.compile(r"ASKIT-[0-9A-F]{8}|(?:INC|REQ|RITM|SR|CHG|PRB|S?C?TASK|CS)\d{4,10}|[A-Z]{2,6}-\d{1,10}"),
    re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE),
    re.compile(r"(?:\\\\|[a-z]:\\|/)\S*", re.IGNORECASE),
    re.compile(r"v?\d+(?:[.:/-]\d+)+", re.IGNORECASE),
)

# Secrets known by their shape wherever they appear. Where there is a group "s", only it is redacted.
SHAPES = (
    re.compile(r"\bBearer\s+(?P<s>(?=[\w.~+/-]*\d)[\w.~+/-]{8,}=*|[\w.~+/-]{20,}=*)", re.IGNORECASE),
    re.compile(r"\bAuthorization:\s*Basic\s+(?P<s>[A-Za-z0-9+/]{8,}={0,2})", re.IGNORECASE),
    re.compile(r"\beyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]*"),  # a JSON Web Token
    re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),  # an AWS access key id
    re.compile(r"\b(?:sk|pk|rk|ghp|gho|ghu|ghs|ghr|xox[abprs])[-_][\w-]{16,}"),  # common API key shapes
    re.compile(r"\bgithub_pat_\w{22,}|\bAIza[\w-]{35}"),
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----(?:[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----|[\s\S]*)"),
    re.compile(r"://[^/\s:@]+:(?P<s>[^/\s@]+)@"),  # the password in https://user:password@host
    re.compile(r"\b\d{6}(?:-\d{6}){7}\b"),  # a BitLocker recovery key
    # 24+ characters mixing lower case, upper case and digits with no spaces: a key, not a word or a reference
    re.compile(r"\b(?=[\w+/-]*\d)(?=[\w+/-]*[a-z])(?=[\w+/-]*[A-Z])[\w+/-]{24,}={0,2}"),
)


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
