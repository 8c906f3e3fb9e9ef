"""Rasa custom actions. Thin: read the tracker, call bot.knowledge or bot.servicedesk, utter.

bot/action_server.py builds the services once (bot/services.py) and registers ``all_actions``;
tests build their own services and actions the same way.
"""

from __future__ import annotations

from rasa_sdk import Action

from bot.services import Services


def all_actions(services: Services) -> list[Action]:
    """One of each action the domain lists, the ones that use services given ``services``."""
    from actions.answer import ActionAnswerQuestion, ActionShowArticle
    from actions.tickets import (
        ActionAddComment,
        ActionAskTicketConfirmed,
        ActionCreateTicket,
        ActionDropTicket,
        ActionOfferTicket,
        ActionStartTicket,
        ActionTellTicketNews,
        ActionTicketStatus,
        ValidateTicketForm,
    )

    with_services = [
        ActionAnswerQuestion,
        ActionShowArticle,
        ActionCreateTicket,
        ActionTicketStatus,
        ActionAddComment,
        ActionTellTicketNews,
        ActionOfferTicket,
        ActionDropTicket,
    ]
    plain: list[type[Action]] = [
        ActionStartTicket,
        ActionAskTicketConfirmed,
        ValidateTicketForm,
    ]
    return [cls(services) for cls in with_services] + [cls() for cls in plain]
