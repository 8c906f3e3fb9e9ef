"""Known incidents in the conversation: a question (or a ticket asked for) that matches an active
incident of the user's council gets the incident's card first (``known_incident``), and the card's
buttons count the user as affected, subscribe them, or go on with their question as asked. A
subscriber is told each change once (``tell_incident_news``: pushed by bot/incidents/notifier.py,
or on their next question); a ticket still asked for after the card is linked to the incident
(``linked_incident``). The matching is bot/incidents/matching.py's, the records bot/incidents/store.py's."""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
import time
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.utter import ServiceAction, awaiting, send
from bot import conversation, replies, sql
from bot.incidents.errors import IncidentError
from bot.incidents.matching import IncidentMatcher, IncidentTexts, Match
from bot.incidents.models import Incident
from bot.knowledge import KnowledgeError
from bot.servicedesk.tickets import KnownIncident

logger = logging.getLogger(__name__)
DISMISSED = "incidents_dismissed"  # the slot: incidents this user said their problem is not


async def known_incident(
    action: ServiceAction, tracker: Tracker, text: str, dismissed: list[str]
) -> replies.Reply | None:
    """The card of the active incident of the user's council that ``text`` is about, if any, but
    none of those ``dismissed`` (the user said their problem is a different one)."""
    incident = await matched_incident(action, tracker, text, dismissed)
    return None if incident is None else incident_card(action, tracker, incident)


def incident_card(action: ServiceAction, tracker: Tracker, incident: Incident) -> replies.Reply:
    """What is known, since when, what to do meanwhile, and the three buttons."""
    zone = action.services.contacts.desk(action.requester(tracker).tenant).zone
    return replies.known_incident(_news(incident, zone))


async def matched_incident(action: ServiceAction, tracker: Tracker, text: str, dismissed: list[str]) -> Incident | None:
    """The active incident of the user's council that ``text`` is about, but none of ``dismissed``."""
    services = action.services
    if services.incidents is None or services.incident_matcher is None:
        return None
    council = action.requester(tracker).tenant
    try:
        active = await asyncio.to_thread(services.incidents.listed)
        match = await asyncio.to_thread(_match, services.incident_matcher, active, text, council)
    except (IncidentError, sql.DatabaseError, KnowledgeError) as exc:  # answered as if none were known
        logger.error("known incidents unavailable: %s", type(exc).__name__)
        return None
    if match is None or match.incident_id in dismissed:
        return None
    return next(i for i in active if i.id == match.incident_id)


def _match(matcher: IncidentMatcher, active: list[Incident], text: str, council: str | None) -> Match | None:
    """Bring the matcher up to the store's active incidents, every council's (it embeds only new or
    changed ones; one matcher serves every council's staff at once), then match for ``council``."""
    matcher.replace(IncidentTexts(i.id, (i.title, *i.questions), i.councils) for i in active)
    return matcher.match(text, council)


def _news(incident: Incident, zone: dt.tzinfo) -> replies.IncidentNews:
    next_update = _clock(incident.next_update_at, zone) if incident.next_update_at else None
    return replies.IncidentNews(
        incident.id,
        incident.title,
        incident.summary,
        incident.status,
        _clock(incident.started_at, zone),
        incident.workaround,
        next_update,
    )


def _clock(at: float, zone: dt.tzinfo) -> str:
    """``at`` as the desk's clocks say it: "09:40 today", "09:40 tomorrow", "09:40 on Monday 30 November"."""
    local, today = dt.datetime.fromtimestamp(at, zone), dt.datetime.now(zone).date()
    day = {today: "today", today + dt.timedelta(days=1): "tomorrow", today - dt.timedelta(days=1): "yesterday"}
    return f"{local:%H:%M} {day.get(local.date(), f'on {local:%A %d %B}')}"


async def tell_incident_news(action: ServiceAction, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """What the incidents this conversation subscribed to did since it was last told: once each."""
    store = action.services.incidents
    if store is None:
        return
    try:
        news = await asyncio.to_thread(store.take_news, tracker.sender_id)
    except (IncidentError, sql.DatabaseError) as exc:  # still there to tell on the next message
        logger.error("incident news unreadable: %s", type(exc).__name__)
        return
    zone = action.services.contacts.desk(action.requester(tracker).tenant).zone
    for incident, changes in news:
        send(dispatcher, replies.incident_update(_news(incident, zone), [change.text for change in changes]))


async def linked_incident(action: ServiceAction, tracker: Tracker) -> KnownIncident | None:
    """The active incident whose card this user was shown (and did not say was a different problem):
    a ticket they still ask for is linked to it."""
    incident_id, store = conversation.shown_incident(tracker.events), action.services.incidents
    if incident_id is None or store is None or incident_id in (tracker.get_slot(DISMISSED) or []):
        return None
    try:
        incident = await asyncio.to_thread(store.get, incident_id)
    except (IncidentError, sql.DatabaseError) as exc:  # the ticket goes unlinked rather than not at all
        logger.error("known incident %s: %s", incident_id, type(exc).__name__)
        return None
    if not incident.is_active:
        return None
    return KnownIncident(incident.id, incident.title, incident.desk_ref)


def _incident_id(tracker: Tracker) -> str | None:
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("entity") == "incident_id" and isinstance(entity.get("value"), str):
            return str(entity["value"])
    return None


async def _pressed(action: ServiceAction, dispatcher: CollectingDispatcher, tracker: Tracker) -> Incident | None:
    """The active incident of the user's council whose card's button was pressed; else the user is
    told it is over (resolved, or not theirs) and None."""
    incident_id, store = _incident_id(tracker), action.services.incidents
    if incident_id is None or store is None:
        return None
    try:
        incident = await asyncio.to_thread(store.get, incident_id)
    except (IncidentError, sql.DatabaseError) as exc:
        logger.error("known incident %s: %s", incident_id, type(exc).__name__)
        incident = None
    if incident is None or not incident.is_active or not incident.concerns(action.requester(tracker).tenant):
        send(dispatcher, replies.incident_over(incident_id))
        return None
    return incident


class ActionIncidentAffected(ServiceAction):
    """ "I'm affected too": counted once per person, and no ticket."""

    def name(self) -> str:
        return "action_incident_affected"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        incident, store = await _pressed(self, dispatcher, tracker), self.services.incidents
        if incident is not None and store is not None:
            person, channel = self.requester(tracker), tracker.get_latest_input_channel() or ""
            count, _ = await asyncio.to_thread(store.affected, incident.id, person, channel, now=time.time())
            send(dispatcher, replies.incident_counted(incident.id, count))
        return awaiting(None)


class ActionIncidentSubscribe(ServiceAction):
    """ "Tell me when it's fixed": the user is told in this chat when the incident changes."""

    def name(self) -> str:
        return "action_incident_subscribe"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        incident, store = await _pressed(self, dispatcher, tracker), self.services.incidents
        if incident is not None and store is not None:
            person, channel = self.requester(tracker), tracker.get_latest_input_channel() or ""
            reference = {"channel": channel, "conversation": tracker.sender_id}
            subscribe = functools.partial(
                store.subscribe, channel=channel, conversation=tracker.sender_id, reference=reference, now=time.time()
            )
            await asyncio.to_thread(subscribe, incident.id, person.id)
            send(dispatcher, replies.incident_subscribed(incident.id))
        return awaiting(None)


class ActionTellIncidentNews(ServiceAction):
    """Run by the notifier (EXTERNAL_incident_update, bot/incidents/notifier.py) when an incident this
    conversation subscribed to changes."""

    def name(self) -> str:
        return "action_tell_incident_news"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        await tell_incident_news(self, dispatcher, tracker)
        return []


class ActionIncidentDifferent(ServiceAction):
    """ "My problem is different": the question is answered as if the incident were not known, and its
    card is not shown to this user again in the conversation."""

    def name(self) -> str:
        return "action_incident_different"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        from actions.answer import ActionAnswerQuestion  # answer.py asks this module first

        incident_id = _incident_id(tracker)
        dismissed = [*(tracker.get_slot(DISMISSED) or []), *([incident_id] if incident_id else [])]
        question = conversation.last_question(tracker.events)
        if question is None:
            send(dispatcher, replies.incident_different())
            return [SlotSet(DISMISSED, dismissed), *awaiting(None)]
        events = await ActionAnswerQuestion(self.services).answer(dispatcher, tracker, question, dismissed)
        return [SlotSet(DISMISSED, dismissed), *events]
