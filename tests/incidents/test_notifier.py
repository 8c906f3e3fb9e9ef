"""Telling subscribers (bot/incidents/store.py ``due_pushes``/``take_news``, bot/incidents/notifier.py),
on SQLite and a real PostgreSQL: each change reaches each subscriber once, whether a push or their
own next message tells it, and however many notifiers run; a push that fails is tried again later;
channels that cannot be pushed to wait for the user's next message."""

from __future__ import annotations

from bot.incidents.notifier import HOLD, INTENT, IncidentNotifier
from bot.incidents.store import RESOLVED_TEXT, IncidentStore
from bot.rasa_api import PUSH_CHANNELS
from tests import races
from tests.incidents.conftest import MINUTE, T0, declared


def subscribed(store: IncidentStore, incident_id: str, n: int, channel: str = "webchat") -> str:
    conversation = f"conversation-{n}"
    store.subscribe(
        incident_id, f"aad-{n}", channel=channel, conversation=conversation, reference={}, now=T0 + n
    )  # fmt: skip
    return conversation


class Rasa:
    """The Rasa server's trigger_intent as the notifier sees it: which conversations it was asked to
    tell, and ``down``: the ones it cannot reach now."""

    def __init__(self, store: IncidentStore | None = None) -> None:
        self.asked: list[str] = []
        self.down: set[str] = set()
        self.store = store  # if set, each push runs the action's part: the news is taken

    def notify(self, conversation_id: str, intent: str, what: str) -> bool:
        assert (intent, what) == (INTENT, "incident news")
        self.asked.append(conversation_id)
        if conversation_id in self.down:
            return False
        if self.store is not None:
            self.store.take_news(conversation_id)
        return True


def test_each_change_is_news_once_to_each_subscriber(store: IncidentStore) -> None:
    incident = declared(store)
    first, second = subscribed(store, incident.id, 1), subscribed(store, incident.id, 2)
    assert store.take_news(first) == []  # nothing happened since they subscribed
    store.update(incident.id, 1, now=T0 + MINUTE, status="identified", text="A certificate expired.")
    store.update(incident.id, 2, now=T0 + 2 * MINUTE, workaround="Use Citrix.", text="Citrix works.")
    [(now, changes)] = store.take_news(first)
    assert (now.version, [c.text for c in changes]) == (3, ["A certificate expired.", "Citrix works."])
    assert store.take_news(first) == []
    store.resolve(incident.id, now=T0 + 3 * MINUTE)
    assert [[c.text for c in changes] for _, changes in store.take_news(first)] == [[RESOLVED_TEXT]]
    [(_, changes)] = store.take_news(second)
    assert [c.status for c in changes] == ["identified", "identified", "resolved"]
    assert store.take_news(first) == store.take_news(second) == []


def test_a_push_and_the_next_message_at_once_tell_it_once(location: str) -> None:
    store = IncidentStore.open(location)
    for round in range(5):
        incident = declared(store, T0 + round)
        conversation = subscribed(store, incident.id, round)
        store.resolve(incident.id, now=T0 + MINUTE)
        results = races.together(lambda: IncidentStore.open(location), *[lambda s, c=conversation: s.take_news(c)] * 2)
        told = [news for news in races.returned(results) if news]
        assert len(told) == 1 and [c.status for c in told[0][0][1]] == ["resolved"]


def test_the_notifier_pushes_each_subscriber_with_news_once(store: IncidentStore) -> None:
    incident = declared(store, councils=("all",))
    pushed = [subscribed(store, incident.id, n, channel) for n, channel in enumerate(sorted(PUSH_CHANNELS))]
    subscribed(store, incident.id, 9, channel="rest")  # cannot be pushed to: hears it on the next message
    rasa, now = Rasa(store), T0 + MINUTE
    notifier = IncidentNotifier(store, rasa, clock=lambda: now)  # type: ignore[arg-type]
    assert notifier.push_due() == 0 and rasa.asked == []
    store.resolve(incident.id, now=now)
    assert notifier.push_due() == len(pushed) and sorted(rasa.asked) == sorted(pushed)
    now += 2 * HOLD
    assert notifier.push_due() == 0 and len(rasa.asked) == len(pushed)
    assert [c.status for _, changes in store.take_news("conversation-9") for c in changes] == ["resolved"]


def test_a_push_that_fails_is_tried_again_after_a_while_and_the_others_still_go(store: IncidentStore) -> None:
    incident = declared(store)
    ok, gone = subscribed(store, incident.id, 1), subscribed(store, incident.id, 2)
    rasa, now = Rasa(store), T0 + MINUTE
    rasa.down.add(gone)
    notifier = IncidentNotifier(store, rasa, clock=lambda: now)  # type: ignore[arg-type]
    store.update(incident.id, 1, now=now, status="monitoring")
    assert notifier.push_due() == 1 and sorted(rasa.asked) == [ok, gone]
    assert notifier.push_due() == 0 and len(rasa.asked) == 2  # held: not asked again at once
    rasa.down.clear()
    now += HOLD + 1
    assert notifier.push_due() == 1 and rasa.asked[2:] == [gone]


def test_two_notifiers_at_once_push_each_subscriber_once(location: str) -> None:
    store = IncidentStore.open(location)
    incident = declared(store)
    conversations = {subscribed(store, incident.id, n) for n in range(40)}
    store.resolve(incident.id, now=T0 + MINUTE)
    rasa = Rasa()
    races.returned(
        races.together(
            lambda: IncidentNotifier(IncidentStore.open(location), rasa, clock=lambda: T0 + MINUTE),  # type: ignore[arg-type]
            *[lambda notifier: notifier.push_due()] * 2,
        )
    )
    assert sorted(rasa.asked) == sorted(conversations)
