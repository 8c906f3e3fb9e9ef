"""EVENTS_AMQP_URL, the RabbitMQ that carries Rasa's events to the insights loader where an
organisation already runs one (docs/insights.md): read and checked in one place. Standard library
only: the Rasa server's event broker (bot/event_broker.py) and the loader (bot/insights/relay.py)
both import it.

    EVENTS_AMQP_URL=amqp://user:password@host[:port][/vhost]     (amqps:// for TLS)

Unset or blank: Rasa writes its events straight into the database EVENTS_DB_URL names. The password
is held as a ``Secret``: never in an error message, a repr or a log line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import quote, unquote, urlsplit

from bot.secret import Secret

EVENTS_AMQP_URL_SETTING = "EVENTS_AMQP_URL"
EXCHANGE = "rasa-exchange"  # Rasa's fanout exchange (rasa/core/brokers/pika.py); the queue is bound to it
QUEUE = "askit_insights"  # durable: events wait here while the loader is not running
SCHEMES = {"amqp": (False, 5672), "amqps": (True, 5671)}  # scheme -> TLS, default port
SHAPE = "amqp://user:password@host:port/vhost (or amqps:// for TLS)"


class AmqpUrlError(ValueError):
    """EVENTS_AMQP_URL is unusable; the message names the setting and the fault, never the password."""


@dataclass(frozen=True)
class AmqpUrl:
    host: str
    port: int
    vhost: str
    username: str
    password: Secret = field(repr=False)
    tls: bool = False

    @classmethod
    def parse(cls, url: str) -> AmqpUrl:
        def refuse(fault: str) -> AmqpUrlError:
            return AmqpUrlError(f"{EVENTS_AMQP_URL_SETTING} must look like {SHAPE}: {fault}")

        text = url.strip()
        try:
            parts = urlsplit(text)
            port = parts.port  # raises for a port that is not a number in range
        except ValueError:
            raise refuse("the port or the address is not valid") from None
        if parts.scheme not in SCHEMES:
            raise refuse("the scheme must be amqp or amqps")
        if not text.isprintable() or any(c.isspace() for c in text):
            raise refuse("it holds a space or a control character")
        if not parts.hostname:
            raise refuse("the host is missing")
        if not parts.username or not parts.password:
            raise refuse("the user and the password are missing")
        if parts.query or parts.fragment or parts.path.count("/") > 1:
            raise refuse("only a virtual host may follow the address")
        tls, default_port = SCHEMES[parts.scheme]
        return cls(
            host=parts.hostname,
            port=port or default_port,
            vhost=unquote(parts.path.lstrip("/")) or "/",
            username=unquote(parts.username),
            password=Secret(unquote(parts.password)),
            tls=tls,
        )

    def address(self) -> str:
        """The URL without its credentials: what logs and Rasa's broker (which adds them) are given."""
        return f"{'amqps' if self.tls else 'amqp'}://{self.host}:{self.port}/{quote(self.vhost, safe='')}"


def amqp_url(env: Mapping[str, str]) -> AmqpUrl | None:
    """EVENTS_AMQP_URL's parts, or None when it is unset or blank; AmqpUrlError when malformed."""
    value = env.get(EVENTS_AMQP_URL_SETTING, "")
    return AmqpUrl.parse(value) if value.strip() else None
