"""The contract every service-desk adapter fulfils."""

from __future__ import annotations

from abc import ABC, abstractmethod

from bot.servicedesk.models import TicketRef, TicketRequest, TicketStatus


class ServiceDesk(ABC):
    """One service desk. Methods raise ``ServiceDeskError`` subclasses; they never return False."""

    name: str = ""

    @abstractmethod
    def create_ticket(self, request: TicketRequest) -> TicketRef:
        """Create the ticket, or return the existing one made for the same correlation id."""

    @abstractmethod
    def get_status(self, ref: str) -> TicketStatus:
        """The ticket's status; TicketNotFound if the desk has no such ticket."""

    @abstractmethod
    def list_open(self, requester_id: str) -> list[TicketStatus]:
        """The requester's open tickets, newest first."""

    @abstractmethod
    def add_comment(self, ref: str, text: str) -> None:
        """Add a comment from the requester to the ticket."""
