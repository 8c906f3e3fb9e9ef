"""Live chat's Teams side (bot/channels/teams_handoff.py): the conversation reference a handoff
keeps, the agents' channel card in each state, the card posted once and then updated in place
through the fake Bot Framework, and relayed messages kept in the order they arrived."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.channels.connector import AppCredentials, ConnectorClient
from bot.channels.teams_handoff import AgentsChannel, conversation_of, reference, request_card
from bot.channels.teams_payloads import ConversationRef
from bot.handoff.broker import HandoffBroker
from bot.handoff.settings import HandoffSettings
from bot.handoff.store import HandoffStore
from bot.secret import Secret
from tests.cards import of_type
from tests.channels.fake_botframework import FakeBotFramework
from tests.handoff.common import MINUTE, T0, ask, sign_in

LONDON = ZoneInfo("Europe/London")  # T0 is 15:13 there
CONSOLE = "https://askit-admin.example"
CHANNEL = "19:agents@thread.tacv2"


@pytest.fixture
def store(tmp_path: Path) -> HandoffStore:
    return HandoffStore.open(tmp_path / "handoffs.sqlite")


@pytest.fixture
def bf() -> Iterator[FakeBotFramework]:
    fake = FakeBotFramework().start()
    yield fake
    fake.stop()


def status(card: dict[str, object]) -> str:
    [facts] = of_type(card, "FactSet")
    return str(next(f["value"] for f in facts["facts"] if f["title"] == "Status"))


def test_a_kept_reference_reaches_the_same_conversation() -> None:
    ref = ConversationRef("https://smba.example/uk/", "a:1x2y", {"id": "28:bot", "name": "AskIT"}, "29:jo", "https://a")
    assert conversation_of(reference(ref)) == ref
    assert conversation_of({"channel": "teams", "conversation": "29:jo"}) is None  # not given by Teams yet
    assert conversation_of({**reference(ref), "bot": "28:bot"}) is None


def test_the_card_says_who_asked_and_links_to_the_console_while_it_waits(store: HandoffStore) -> None:
    handoff = ask(store, summary="My laptop will not start")
    card = request_card(handoff, CONSOLE, LONDON)
    assert card["body"][0]["text"] == "Live chat request: Sam Patel"
    assert card["body"][1]["text"] == "My laptop will not start"
    [facts] = of_type(card, "FactSet")
    assert {f["title"]: f["value"] for f in facts["facts"]} == {
        "Council": "northbrook",
        "Asked at": "15:13",
        "Group": "service-desk",
        "Status": "Waiting for an agent",
    }
    [accept] = of_type(card, "Action.OpenUrl")
    assert accept["url"] == f"{CONSOLE}/agents?chat={handoff.id}"
    unlinked = request_card(handoff, None, LONDON)
    assert not of_type(unlinked, "Action.OpenUrl") and "Accept it in the agent console." in str(unlinked)


def test_the_card_follows_the_request_to_its_end(store: HandoffStore) -> None:
    sign_in(store, "alex", name="Alex Morgan")
    handoff = ask(store)
    taken = store.accept(handoff.id, "alex", now=T0 + 2 * MINUTE)
    assert status(request_card(taken, CONSOLE, LONDON)) == "Taken by Alex Morgan at 15:15"
    assert not of_type(request_card(taken, CONSOLE, LONDON), "Action.OpenUrl")
    again = store.release(handoff.id, "alex", now=T0 + 3 * MINUTE)
    assert status(request_card(again, CONSOLE, LONDON)) == "Back in the queue: waiting for an agent"
    closed = store.close(handoff.id, "system", now=T0 + 4 * MINUTE)
    assert status(request_card(closed, CONSOLE, LONDON)) == "Closed at 15:17"
    cancelled = store.cancel(ask(store, "web-2").id, now=T0)
    assert status(request_card(cancelled, CONSOLE, LONDON)) == "Cancelled: they stopped waiting"


def test_the_card_is_posted_once_then_updated_in_place(store: HandoffStore, bf: FakeBotFramework) -> None:
    sign_in(store, "alex", name="Alex Morgan")
    handoff = ask(store)
    ended_early = store.cancel(ask(store, "web-2").id, now=T0)

    async def scenario() -> None:
        client = ConnectorClient(AppCredentials(bf.app_id, Secret(bf.app_password), login_url=bf.url))
        broker = HandoffBroker(store, HandoffSettings.load(), sweep_seconds=3600)
        cards = AgentsChannel(broker, client, bf.service_url, CHANNEL, "28:bot", CONSOLE)
        try:
            await broker.changed(handoff)
            await cards.drain()
            await broker.changed(store.accept(handoff.id, "alex", now=T0 + MINUTE))
            await cards.drain()
            await broker.changed(ended_early)  # cancelled before any card: none is posted for it
            await cards.drain()
        finally:
            await client.close()

    asyncio.run(scenario())
    [posted] = bf.replies(CHANNEL)
    assert store.get(handoff.id).channel_card == posted["id"]
    [update] = bf.updates
    assert update.activity["id"] == posted["id"]
    assert status(update.activity["attachments"][0]["content"]) == "Taken by Alex Morgan at 15:14"
