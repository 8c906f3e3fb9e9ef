"""Rasa custom actions. Thin: read the tracker, call bot.knowledge or bot.servicedesk, utter.

bot/action_server.py builds the services once (bot/services.py) and registers ``all_actions``;
tests build their own services and actions the same way.
"""

from __future__ import annotations

from rasa_sdk import Action

from bot.details import DETAILS
from bot.services import Services


def all_actions(services: Services) -> list[Action]:
    """One of each action the domain lists, the ones that use services given ``services``."""
    from actions.answer import ActionAnswerQuestion, ActionShowArticle
    from actions.handoff import ActionFileHandoff
    from actions.incidents import (
        ActionIncidentAffected,
        ActionIncidentDifferent,
        ActionIncidentSubscribe,
        ActionTellIncidentNews,
    )
    from actions.tickets import (
        ActionAddComment,
        ActionAskDetail,
        ActionAskTicketConfirmed,
        ActionCreateTicket,
        ActionDropTicket,
        ActionOfferTicket,
        ActionStartAgain,
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
        ActionStartTicket,
        ActionAskTicketConfirmed,
        ActionStartAgain,
        ActionFileHandoff,
        ActionIncidentAffected,
        ActionIncidentSubscribe,
        ActionIncidentDifferent,
        ActionTellIncidentNews,
    ]
    asks: list[Action] = [ActionAskDetail(detail) for detail in DETAILS]
    return [cls(services) for cls in with_services] + asks + [ValidateTicketForm()]
