"""Errors raised by service-desk adapters; actions catch ``ServiceDeskError`` and nothing wider.

ServiceDeskError
 ├── ServiceDeskUnavailable   the desk cannot be reached, timed out or failed (retry later);
 │    │                       ``retry_after`` seconds when the desk said when
 │    ├── RateLimited         the desk asked us to slow down (HTTP 429)
 │    └── BadResponse         the desk answered something we cannot read (e.g. malformed JSON)
 ├── AuthenticationFailed     the desk refused our credentials (an operator must act)
 ├── TicketNotFound           no such ticket (or not this requester's)
 ├── RejectedData             the desk refused the ticket's content (will not succeed on retry)
 ├── ConfigError              the desk is misconfigured; the message names the setting (also a
 │                            bot.config.ConfigurationError, which every configuration error is)
 └── Unsupported              this desk's API cannot do that operation
"""

from __future__ import annotations

from bot.config import ConfigurationError


class ServiceDeskError(Exception):
    """Base class of every error this package raises."""


class ServiceDeskUnavailable(ServiceDeskError):
    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RateLimited(ServiceDeskUnavailable):
    pass


class BadResponse(ServiceDeskUnavailable):
    pass


class AuthenticationFailed(ServiceDeskError):
    pass


class TicketNotFound(ServiceDeskError):
    pass


class RejectedData(ServiceDeskError):
    pass


class ConfigError(ServiceDeskError, ConfigurationError):
    pass


class Unsupported(ServiceDeskError):
    pass
