"""Errors raised by service-desk adapters; actions catch ``ServiceDeskError`` and nothing wider.

ServiceDeskError
 ├── ServiceDeskUnavailable   the desk cannot be reached or failed (retry later)
 │    └── RateLimited         the desk asked us to slow down; ``retry_after`` seconds
 ├── AuthenticationFailed     the desk refused our credentials (an operator must act)
 ├── TicketNotFound           no such ticket (or not this requester's)
 ├── RejectedData             the desk refused the ticket's content (will not succeed on retry)
 └── ConfigError              the desk is misconfigured; the message names the setting
"""

from __future__ import annotations


class ServiceDeskError(Exception):
    """Base class of every error this package raises."""


class ServiceDeskUnavailable(ServiceDeskError):
    pass


class RateLimited(ServiceDeskUnavailable):
    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class AuthenticationFailed(ServiceDeskError):
    pass


class TicketNotFound(ServiceDeskError):
    pass


class RejectedData(ServiceDeskError):
    pass


class ConfigError(ServiceDeskError):
    pass
