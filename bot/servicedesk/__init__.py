"""Hand a conversation to a service desk: the ticket model, the adapter contract, the adapters."""

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
from bot.servicedesk.local import LocalServiceDesk
from bot.servicedesk.models import Requester, TicketRef, TicketRequest, TicketStatus
from bot.servicedesk.registry import create_service_desk

__all__ = [
    "AuthenticationFailed",
    "ConfigError",
    "LocalServiceDesk",
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
    "create_service_desk",
]
