"""Take what looks like a password or other secret out of text before it leaves for a service desk.

Users type their passwords to the bot ("my password is Winter2026! and it still fails"); the ticket
must not carry them. Redacted: the word after password/passcode/PIN/passphrase (with "is", ":" or
"=" between), bearer tokens, JSON Web Tokens, cloud access keys, and long random-looking strings.
"""

from __future__ import annotations

import re

REDACTED = "[redacted]"

_SECRET_WORD = r"(?:password|passwd|pwd|passcode|pass code|passphrase|pin(?: number| code)?|secret|api key|token)"
_AFTER_SECRET_WORD = re.compile(
    rf"(\b{_SECRET_WORD}\b(?:\s+(?:is|was|=|:|of|to|as|now|now is|should be|set to|changed to))*\s*[:=]?\s*)"
    r"(['\"“]?)([^\s'\"”]{3,})\2",
    re.IGNORECASE,
)
_PATTERNS = (
    re.compile(r"\bBearer\s+[\w\-.~+/]{8,}=*", re.IGNORECASE),
    re.compile(r"\beyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]{5,}"),  # a JSON Web Token
    re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),  # an AWS access key id
    re.compile(r"\b(?:sk|pk|ghp|gho|xox[abp])[-_][\w-]{16,}\b"),  # common API key shapes
)
# 24+ characters mixing letters and digits with no spaces: a key, not a word or a ticket reference
_RANDOM = re.compile(r"\b(?=[\w+/=-]*\d)(?=[\w+/=-]*[a-z])(?=[\w+/=-]*[A-Z])[\w+/=-]{24,}")
_NOT_A_WORD_FOR_SECRET = {"reset", "expired", "expiry", "expires", "change", "changed", "manager", "prompt", "again"}


def redact_secrets(text: str) -> str:
    def after_word(match: re.Match[str]) -> str:
        value = match.group(3)
        if value.lower().strip(".,!?") in _NOT_A_WORD_FOR_SECRET or value.lower() in ("it", "the", "my", "a", "and"):
            return match.group(0)
        return f"{match.group(1)}{REDACTED}"

    text = _AFTER_SECRET_WORD.sub(after_word, text)
    for pattern in _PATTERNS:
        text = pattern.sub(REDACTED, text)
    return _RANDOM.sub(REDACTED, text)
