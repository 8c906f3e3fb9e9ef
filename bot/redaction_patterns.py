"""What the redaction in bot/redaction.py looks for in what staff type: the secret words and their
look-alike spellings, the words that link a secret word to its value, the words that only carry a
sentence on, and the shapes a secret has wherever it appears. Data only; standard library only.
"""

from __future__ import annotations

import re


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
