"""Hand a conversation to a service desk: the ticket model, the adapter contract, the adapters.

Light on purpose: importing the package gives the contract and its values, not the eight adapters
(``bot.servicedesk.registry.create_service_desk`` loads those) nor the local desk's SQLite.
"""

from bot.servicedesk.base import ServiceDesk
from bot.servicedesk.errors import (
    AuthenticationFailed,
    ConfigError,
    RateLimited,
    RejectedData,
    ServiceDeskError,
    ServiceDeskUnavailable,
    TicketNotFound,
)
from bot.servicedesk.models import DeskReply, Requester, TicketRef, TicketRequest, TicketStatus

__all__ = [
    "AuthenticationFailed",
    "ConfigError",
    "DeskReply",
    "RateLimited",
    "RejectedData",
    "Requester",
    "ServiceDesk",
    "ServiceDeskError",
    "ServiceDeskUnavailable",
    "TicketNotFound",
    "TicketRef",
    "TicketRequest",
    "TicketStatus",
]
