"""Credentials kept out of sight: a ``Secret`` shows nothing in repr or str, and every secret this
process has loaded is redacted from log records and from any text passed to ``redact``.

Used by the service-desk adapters, the Rasa API notifier and the Teams connector alike.
"""

from __future__ import annotations

import logging
import threading

REDACTED = "[redacted]"

_known_secrets: set[str] = set()
_secrets_lock = threading.Lock()


class Secret:
    """A credential. ``reveal()`` is the only way to the value; repr and str show nothing."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value
        with _secrets_lock:
            _known_secrets.add(value)

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__


def redact(text: str) -> str:
    """``text`` with every secret this process has loaded replaced by [redacted]."""
    with _secrets_lock:
        secrets = sorted(_known_secrets, key=len, reverse=True)
    for secret in secrets:
        if len(secret) >= 4:
            text = text.replace(secret, REDACTED)
    return text


class RedactSecrets(logging.Filter):
    """A logging filter that takes every known secret out of records (message, args, traceback)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return True


def install_log_redaction() -> None:
    """Redact secrets from everything the root logger's handlers write (called at start-up)."""
    root = logging.getLogger()
    for handler in root.handlers:
        if not any(isinstance(f, RedactSecrets) for f in handler.filters):
            handler.addFilter(RedactSecrets())
