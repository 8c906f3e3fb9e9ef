"""The contract every service-desk adapter fulfils."""

from __future__ import annotations

from abc import ABC, abstractmethod

from bot.servicedesk.errors import Unsupported
from bot.servicedesk.models import DeskReply, Requester, TicketRef, TicketRequest, TicketStatus


class ServiceDesk(ABC):
    """One service desk. Methods raise ``ServiceDeskError`` subclasses; they never return False.

    Idempotency is shared between the adapter and the outbox: every ticket carries its request's
    correlation id, and before retrying a delivery whose outcome is unknown the outbox asks
    ``find_by_correlation``. Desks that accept an idempotency key also get it on ``create_ticket``.
    """

    name: str = ""

    @abstractmethod
    def create_ticket(self, request: TicketRequest) -> TicketRef:
        """Create the ticket (one call to the desk), carrying the request's correlation id."""

    def find_by_correlation(self, correlation_id: str) -> TicketRef | None:
        """The ticket already created for this correlation id, if the desk can be searched for it."""
        raise Unsupported(f"the {self.name} desk cannot be searched by correlation id")

    @abstractmethod
    def get_status(self, ref: str) -> TicketStatus:
        """The ticket's status; TicketNotFound if the desk has no such ticket."""

    @abstractmethod
    def list_open(self, requester: Requester) -> list[TicketStatus]:
        """The requester's open tickets, newest first."""

    @abstractmethod
    def add_comment(self, ref: str, text: str) -> None:
        """Add a comment from the requester to the ticket."""

    @abstractmethod
    def latest_reply(self, ref: str) -> DeskReply | None:
        """The desk's newest public reply on the ticket (what an agent wrote for the requester to
        read; not internal notes, not the requester's own comments), or None if there is none yet.
        TicketNotFound if the desk has no such ticket."""
