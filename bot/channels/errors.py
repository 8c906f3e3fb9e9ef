"""Every exception the channels raise, so that callers catch these and nothing from the layer below.

ChannelError
├── AuthError                a Teams request is not from the Bot Framework for this bot (401)
├── KeysUnavailable          the Bot Framework's signing keys cannot be fetched now (503)
├── ConnectorError           the Bot Framework connector or Azure AD refused or failed a call
├── TokenRejected            a web widget connection's token is refused
│   ├── TokenMissing         no token, or not a string
│   ├── TokenExpired         ``exp`` has passed
│   ├── TokenNotYetValid     ``nbf`` or ``iat`` is in the future
│   ├── TokenInvalid         not a JWT, wrong algorithm, bad signature
│   └── TokenClaimsInvalid   a claim is missing, of the wrong type, unprintable, or names another
│                            issuer or audience
└── ChannelConfigError (also a ValueError): a setting is unusable; raised at start-up
    ├── WidgetConfigError    a web widget setting (environment)
    └── TeamsConfigError     a Teams setting (credentials.yml)
"""

from __future__ import annotations

from bot.secret import redact


class ChannelError(Exception):
    """Base of every error a channel raises."""


class AuthError(ChannelError):
    """Raised when a request is not from the Bot Framework for this bot (answer 401); the message says why."""


class KeysUnavailable(ChannelError):
    """Raised when the signing keys cannot be fetched, so nothing can be verified now (answer 503: retry)."""


class ConnectorError(ChannelError):
    """Raised when the connector or Azure AD refuses or fails a call; the message says which and how."""

    def __init__(self, message: str, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(redact(message))
        self.status = status
        self.retry_after = retry_after  # seconds, when the answer said how long to wait (429)


class TokenRejected(ChannelError):
    """Raised when a widget connection's token is refused; ``reason`` is short and safe to show the client."""

    reason = "invalid token"

    def __init__(self, detail: str = "") -> None:
        super().__init__(f"{self.reason}: {detail}" if detail else self.reason)


class TokenMissing(TokenRejected):
    """Raised when the connection brings no token, or one that is not a string."""

    reason = "no token"


class TokenExpired(TokenRejected):
    """Raised when the token's ``exp`` has passed."""

    reason = "token expired"


class TokenNotYetValid(TokenRejected):
    """Raised when the token's ``nbf`` or ``iat`` is in the future."""

    reason = "token not yet valid"


class TokenInvalid(TokenRejected):
    """Raised when the token is not a JWT, has the wrong algorithm or a bad signature, or no key is set."""

    reason = "invalid token"


class TokenClaimsInvalid(TokenRejected):
    """Raised when a claim is missing, of the wrong type, unprintable, or names another issuer or audience."""

    reason = "token claims not accepted"


class ChannelConfigError(ChannelError, ValueError):
    """Raised at start-up when a channel setting is present but unusable; the message names it."""


class WidgetConfigError(ChannelConfigError):
    """Raised at start-up when a web widget setting is present but unusable; the message names it."""


class TeamsConfigError(ChannelConfigError):
    """Raised at start-up when a Teams setting in credentials.yml is missing or unusable; the message names the key."""
