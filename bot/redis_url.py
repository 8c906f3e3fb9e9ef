"""REDIS_URL, the one Redis that replicas share (the Rasa lock store, the Teams channel's state):
read and checked in one place. Standard library only: the launcher and both environments import it.

    REDIS_URL=redis://[[user]:password@]host[:port][/db]     (rediss:// for TLS)

Unset or blank: no Redis, and each process keeps that state in its own memory. The password is
held as a ``Secret`` (bot/secret.py): never in an error message, a repr or a log line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from bot.secret import Secret

REDIS_URL_SETTING = "REDIS_URL"
SCHEMES = {"redis": False, "rediss": True}  # scheme -> TLS
DEFAULT_PORT = 6379
DEFAULT_DB = 0
SHAPE = "redis://[:password@]host:port/db (or rediss:// for TLS)"


class RedisUrlError(ValueError):
    """REDIS_URL is unusable; the message names the setting and the fault, never the password."""


@dataclass(frozen=True)
class RedisUrl:
    host: str
    port: int = DEFAULT_PORT
    db: int = DEFAULT_DB
    username: str | None = None
    password: Secret | None = field(default=None, repr=False)
    tls: bool = False

    @classmethod
    def parse(cls, url: str) -> RedisUrl:
        """The parts of ``url``; RedisUrlError, naming REDIS_URL, when it is not of the shape above."""

        def refuse(fault: str) -> RedisUrlError:
            return RedisUrlError(f"{REDIS_URL_SETTING} must look like {SHAPE}: {fault}")

        try:
            parts = urlsplit(url.strip())
            port = parts.port  # raises for a port that is not a number in range
        except ValueError:
            raise refuse("the port or the address is not valid") from None
        if parts.scheme not in SCHEMES:
            raise refuse("the scheme must be redis or rediss")
        if not url.strip().isprintable() or any(c.isspace() for c in url.strip()):
            raise refuse("it holds a space or a control character")
        if not parts.hostname:
            raise refuse("the host is missing")
        if port == 0:
            raise refuse("the port is not valid")
        if parts.query or parts.fragment:
            raise refuse("options after '?' or '#' are not supported")
        db = parts.path.lstrip("/") or str(DEFAULT_DB)
        if not db.isdigit():
            raise refuse("the database must be a number")
        password = unquote(parts.password) if parts.password else None
        return cls(
            host=parts.hostname,
            port=DEFAULT_PORT if port is None else port,
            db=int(db),
            username=unquote(parts.username) if parts.username else None,
            password=Secret(password) if password else None,
            tls=SCHEMES[parts.scheme],
        )

    def connection(self) -> dict[str, Any]:
        """Where and as whom to connect, as redis-py's clients (and Rasa's RedisLockStore) name it;
        the password revealed here only. TLS is named differently by each: ``tls`` is passed apart."""
        password = self.password.reveal() if self.password else None
        return {"host": self.host, "port": self.port, "db": self.db, "username": self.username, "password": password}


def redis_url(env: Mapping[str, str]) -> RedisUrl | None:
    """REDIS_URL's parts, or None when it is unset or blank; RedisUrlError when it is malformed."""
    value = env.get(REDIS_URL_SETTING, "").strip()
    return RedisUrl.parse(value) if value else None
