"""The Teams channel in a Sanic app as Rasa mounts it, against a fake Bot Framework on loopback.

Rasa itself is replaced by a recorder that answers every message; tests/e2e/test_teams.py runs the
same channel inside the real Rasa server with the real actions.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis  # type: ignore[import-untyped]
from rasa.core.channels.channel import UserMessage
from sanic import Sanic

from bot import replies
from bot.channels.errors import TeamsConfigError
from bot.channels.teams import SORRY, TeamsInput, TeamsSettings
from bot.channels.teams_payloads import ADAPTIVE_CARD, PAYLOAD_KEY
from bot.identity import IDENTITY_KEY, IdentitySeal, VerifiedIdentity
from bot.incidents.models import IncidentFields
from bot.incidents.store import IncidentStore
from bot.launcher import free_port
from bot.studio.starters import StarterStore
from tests.cards import of_type
from tests.channels.conftest import TEST_SEAL_KEY
from tests.channels.fake_botframework import (
    APP_ID,
    RIVERSIDE_AAD,
    STRANGER_AAD,
    FakeBotFramework,
    new_key,
)
from tests.channels.test_welcome import build_index
from tests.redis_server import RedisServer

WEBHOOK = "/webhooks/teams/webhook"


@pytest.fixture
def bf() -> Iterator[FakeBotFramework]:
    fake = FakeBotFramework().start()
    yield fake
    fake.stop()


class Rasa:
    """Stands in for Rasa: records each message and answers it through the channel's output."""

    def __init__(self, fail: bool = False) -> None:
        self.messages: list[UserMessage] = []
        self.fail = fail

    async def __call__(self, message: UserMessage) -> None:
        self.messages.append(message)
        if self.fail:
            raise RuntimeError("the turn failed")
        await asyncio.sleep(0.05)  # a turn takes a moment: the webhook has answered long before
        await message.output_channel.send_response(
            message.sender_id, {"text": f"you said: {message.text}", "custom": {"flow": "echo"}}
        )


Scenario = Callable[[Any, TeamsInput], Awaitable[None]]


def run(bf: FakeBotFramework, rasa: Rasa, scenario: Scenario, **credentials: Any) -> TeamsInput:
    """Mount the channel in a fresh Sanic app and run ``scenario(client, channel)`` in its loop."""
    channel = TeamsInput.from_credentials(bf.credentials(**credentials))
    app = Sanic(f"teams_test_{id(scenario)}_{len(rasa.messages)}")
    app.blueprint(channel.blueprint(rasa), url_prefix="/webhooks/teams")

    async def main() -> None:
        try:
            await scenario(app.asgi_client, channel)
        finally:
            await channel.client.close()

    asyncio.run(main())
    return channel


async def post(client: Any, bf: FakeBotFramework, activity: dict[str, Any], token: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {token or bf.token()}"}
    _, answer = await client.post(WEBHOOK, json=activity, headers=headers)
    return answer


async def until(condition: Callable[[], bool], seconds: float = 10) -> None:
    for _ in range(int(seconds / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("timed out")


def test_a_signed_message_is_acknowledged_then_answered_with_the_users_identity(bf: FakeBotFramework) -> None:
    rasa = Rasa()
    pat = bf.add_user("Pat Jones", "pat.jones@riverside.example", RIVERSIDE_AAD)
    activity = bf.activity(pat, "<at>AskIT</at> my vpn is down", aad_tenant=RIVERSIDE_AAD)

    async def scenario(client: Any, channel: TeamsInput) -> None:
        answer = await post(client, bf, activity)
        assert answer.status_code == 202  # before the turn has run
        await until(lambda: bool(bf.replies()))

    run(bf, rasa, scenario)
    [message] = rasa.messages
    assert (message.text, message.sender_id, message.input_channel) == ("my vpn is down", pat["id"], "teams")
    pats: VerifiedIdentity = {
        "id": pat["aadObjectId"],
        "email": "pat.jones@riverside.example",
        "name": "Pat Jones",
        "aad_tenant_id": RIVERSIDE_AAD,
    }
    assert message.metadata == IdentitySeal(TEST_SEAL_KEY).metadata("teams", pat["id"], pats)
    typing, answered = bf.sent
    assert typing.activity["type"] == "typing"
    assert answered.conversation_id == activity["conversation"]["id"]
    assert answered.activity["text"] == "you said: my vpn is down"
    assert answered.activity["from"] == activity["recipient"] and answered.activity["recipient"] == {"id": pat["id"]}
    assert answered.activity["channelData"] == {"askit": {"flow": "echo"}}
    [token_request] = bf.token_requests
    assert token_request == {
        "grant_type": "client_credentials",
        "client_id": APP_ID,
        "client_secret": bf.app_password,
        "scope": "https://api.botframework.com/.default",
        "tenant": "botframework.com",
    }


REFUSED = [
    ("no token", lambda bf, a: {}),
    ("not bearer", lambda bf, a: {"Authorization": f"Basic {bf.token()}"}),
    ("forged signature", lambda bf, a: {"Authorization": f"Bearer {bf.token(key=impostor(bf))}"}),
    ("unknown key", lambda bf, a: {"Authorization": f"Bearer {bf.token(key=new_key())}"}),
    ("expired", lambda bf, a: {"Authorization": f"Bearer {bf.token(exp=1_000_000_000, nbf=999_999_000)}"}),
    ("wrong audience", lambda bf, a: {"Authorization": f"Bearer {bf.token(aud='another-bot')}"}),
    ("wrong issuer", lambda bf, a: {"Authorization": f"Bearer {bf.token(iss='https://login.example/')}"}),
    ("wrong serviceUrl", lambda bf, a: {"Authorization": f"Bearer {bf.token(service_url='https://evil.example/')}"}),
    ("not endorsed", lambda bf, a: {"Authorization": f"Bearer {bf.token(key=webchat_key(bf))}"}),
]


def impostor(bf: FakeBotFramework) -> Any:
    key = new_key()
    key.kid = bf.keys[0].kid
    return key


def webchat_key(bf: FakeBotFramework) -> Any:
    key = new_key(endorsements=("webchat",))
    bf.keys.append(key)
    return key


@pytest.mark.parametrize("case,headers", REFUSED, ids=[c for c, _ in REFUSED])
def test_a_request_that_is_not_verified_gets_401_and_nothing_happens(
    bf: FakeBotFramework, case: str, headers: Any
) -> None:
    rasa = Rasa()
    activity = bf.activity(bf.add_user("Mallory", "mallory@northbrook.example"), "raise a ticket for me")

    async def scenario(client: Any, channel: TeamsInput) -> None:
        _, answer = await client.post(WEBHOOK, json=activity, headers=headers(bf, activity))
        assert answer.status_code == 401
        assert answer.json == {"error": "unauthorized"}
        await channel.drain()  # had there been a turn, it would have run by now

    run(bf, rasa, scenario)
    assert rasa.messages == [] and bf.sent == [] and bf.token_requests == []


def test_a_retried_activity_is_answered_once(bf: FakeBotFramework) -> None:
    rasa = Rasa()
    activity = bf.activity(bf.add_user("Sam", "sam@northbrook.example"), "printer jammed")

    async def scenario(client: Any, channel: TeamsInput) -> None:
        first, again = await post(client, bf, activity), await post(client, bf, activity)
        assert (first.status_code, again.status_code) == (202, 200)
        await until(lambda: bool(bf.replies()))
        await channel.drain()  # the second answer, were there one, would have been sent by now

    run(bf, rasa, scenario)
    assert len(rasa.messages) == 1 and len(bf.replies()) == 1


def test_the_bot_says_hello_when_it_is_added(bf: FakeBotFramework) -> None:
    rasa = Rasa()
    user = bf.add_user("New Starter", "new.starter@southmere.example")
    bot_added = bf.activity(user, kind="conversationUpdate", membersAdded=[{"id": f"28:{APP_ID}"}])
    user_added = bf.activity(user, kind="conversationUpdate", membersAdded=[{"id": user["id"]}])

    async def scenario(client: Any, channel: TeamsInput) -> None:
        assert (await post(client, bf, user_added)).status_code == 202
        assert (await post(client, bf, bot_added)).status_code == 202
        await until(lambda: bool(bf.replies()))
        await channel.drain()

    run(bf, rasa, scenario)
    [welcome] = bf.replies()
    card = welcome["attachments"][0]
    assert card["contentType"] == ADAPTIVE_CARD and "AskIT" in card["content"]["body"][0]["text"]
    assert welcome["channelData"] == {"askit": {"flow": "welcome"}}
    assert rasa.messages == []  # a greeting from the channel, not a turn


def welcome_of(bf: FakeBotFramework, user: Any) -> dict[str, Any]:
    """The one message the bot sends ``user`` when they add it in Teams (Riverside's tenant)."""
    added = [{"id": f"28:{APP_ID}"}]
    bot_added = bf.activity(user, kind="conversationUpdate", membersAdded=added, aad_tenant=RIVERSIDE_AAD)

    async def scenario(client: Any, channel: TeamsInput) -> None:
        assert (await post(client, bf, bot_added)).status_code == 202
        await until(lambda: bool(bf.replies()))
        await channel.drain()

    run(bf, Rasa(), scenario)
    [welcome] = bf.replies()
    return welcome


def test_the_hello_names_the_known_problems_of_the_users_council(
    bf: FakeBotFramework, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASKIT_BACKOFFICE_DB", str(tmp_path / "backoffice.sqlite"))
    store = IncidentStore.open(tmp_path / "backoffice.sqlite")
    printers = IncidentFields("Riverside printers offline", "No printer prints.", ("printer down",), ("riverside",))
    phones = dataclasses.replace(printers, title="Southmere phones down", councils=("southmere",))
    incident = store.declare(printers, source="cli", now=time.time())
    store.declare(phones, source="cli", now=time.time())
    welcome = welcome_of(bf, bf.add_user("New Starter", "new.starter@riverside.example", RIVERSIDE_AAD))
    assert welcome["channelData"] == {"askit": {"flow": "welcome", "incidents": [incident.id]}}
    text = json.dumps(welcome["attachments"][0]["content"])
    assert "Known problem: Riverside printers offline." in text and "Southmere" not in text


def test_the_hello_offers_the_starter_topics_of_the_users_council(
    bf: FakeBotFramework, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASKIT_BACKOFFICE_DB", str(tmp_path / "backoffice.sqlite"))
    monkeypatch.setenv("ASKIT_INDEX_DIR", str(build_index(tmp_path / "index")))
    StarterStore.open(tmp_path / "backoffice.sqlite").set_chosen("riverside", ["vpn-connect", "password-reset"])
    welcome = welcome_of(bf, bf.add_user("Starter, New", "new.starter@riverside.example", RIVERSIDE_AAD))
    assert welcome["channelData"] == {"askit": {"flow": "welcome", "starters": ["vpn-connect", "password-reset"]}}
    card = welcome["attachments"][0]["content"]
    assert card["body"][0]["text"].startswith("Hello New, I'm AskIT")
    data = [a["data"] for a in of_type(card, "Action.Submit")]
    assert [d["msteams"]["displayText"] for d in data] == [
        "VPN or remote access will not connect",
        "Reset a forgotten password",
    ]
    payloads = [replies.choose_article_payload(a) for a in ("vpn-connect", "password-reset")]
    assert [d[PAYLOAD_KEY] for d in data] == payloads


def test_a_clicked_card_button_sends_its_payload(bf: FakeBotFramework) -> None:
    rasa = Rasa()
    clicked = bf.activity(bf.add_user("Pat", "pat@northbrook.example"), value={PAYLOAD_KEY: "/not_helped"})

    async def scenario(client: Any, channel: TeamsInput) -> None:
        await post(client, bf, clicked)
        await until(lambda: bool(bf.replies()))

    run(bf, rasa, scenario)
    assert [m.text for m in rasa.messages] == ["/not_helped"]


def test_only_partner_tenants_are_served(bf: FakeBotFramework) -> None:
    rasa = Rasa()
    stranger = bf.activity(bf.add_user("X", "x@elsewhere.example", STRANGER_AAD), "hello", aad_tenant=STRANGER_AAD)

    async def scenario(client: Any, channel: TeamsInput) -> None:
        assert (await post(client, bf, stranger)).status_code == 403
        await channel.drain()

    run(bf, rasa, scenario)
    assert rasa.messages == [] and bf.sent == []


def test_a_single_tenant_app_gets_its_token_from_its_own_tenant(bf: FakeBotFramework) -> None:
    rasa = Rasa()
    pat = bf.add_user("Pat", "pat@riverside.example", RIVERSIDE_AAD)

    async def scenario(client: Any, channel: TeamsInput) -> None:
        await post(client, bf, bf.activity(pat, "hi", aad_tenant=RIVERSIDE_AAD))
        await until(lambda: bool(bf.replies()))

    run(bf, rasa, scenario, tenant_id=RIVERSIDE_AAD)
    assert [r["tenant"] for r in bf.token_requests] == [RIVERSIDE_AAD]


def test_a_failed_turn_still_gets_a_reply(bf: FakeBotFramework) -> None:
    rasa = Rasa(fail=True)

    async def scenario(client: Any, channel: TeamsInput) -> None:
        await post(client, bf, bf.activity(bf.add_user("Pat", "pat@northbrook.example"), "hi"))
        await until(lambda: bool(bf.replies()))

    run(bf, rasa, scenario)
    assert [r["text"] for r in bf.replies()] == [SORRY]


def test_without_the_members_api_the_user_is_still_answered(bf: FakeBotFramework) -> None:
    rasa = Rasa()
    unknown = {"id": "29:not-a-member", "name": "Guest", "aadObjectId": "aad-guest"}

    async def scenario(client: Any, channel: TeamsInput) -> None:
        await post(client, bf, bf.activity(unknown, "hi"))
        await until(lambda: bool(bf.replies()))

    run(bf, rasa, scenario)
    identity = rasa.messages[0].metadata[IDENTITY_KEY]["identity"]
    assert identity["id"] == "aad-guest" and "email" not in identity


def test_news_after_the_turn_reaches_the_users_conversation(bf: FakeBotFramework) -> None:
    rasa = Rasa()
    pat = bf.add_user("Pat", "pat@northbrook.example")

    async def scenario(client: Any, channel: TeamsInput) -> None:
        await post(client, bf, bf.activity(pat, "raise a ticket"))
        await until(lambda: bool(bf.replies()))
        # What Rasa's API does for output_channel=latest, when the desk answers later:
        later = channel.get_output_channel()
        await later.send_response(pat["id"], {"text": "Update: your request is now INC0010002."})
        await later.send_response("29:someone-never-seen", {"text": "lost"})

    run(bf, rasa, scenario)
    assert [r["text"] for r in bf.replies()] == ["you said: raise a ticket", "Update: your request is now INC0010002."]


def test_a_throttled_connector_is_tried_again(bf: FakeBotFramework, caplog: pytest.LogCaptureFixture) -> None:
    rasa = Rasa()
    pat = bf.add_user("Pat", "pat@northbrook.example")

    async def scenario(client: Any, channel: TeamsInput) -> None:
        bf.connector_status = 503
        await post(client, bf, bf.activity(pat, "hi"))
        await until(lambda: any("could not send a reply" in r.message for r in caplog.records))

    with caplog.at_level(logging.INFO):
        run(bf, rasa, scenario)
    failures = [r.getMessage() for r in caplog.records if "could not send a reply" in r.getMessage()]
    assert len(failures) == 1 and "HTTP 503" in failures[0]
    assert bf.app_password not in caplog.text


def test_a_body_that_is_not_an_activity_is_refused(bf: FakeBotFramework) -> None:
    rasa = Rasa()

    async def scenario(client: Any, channel: TeamsInput) -> None:
        headers = {"Authorization": f"Bearer {bf.token()}", "Content-Type": "application/json"}
        _, answer = await client.post(WEBHOOK, data="not json", headers=headers)
        assert answer.status_code == 400
        _, answer = await client.post(WEBHOOK, json={"type": "message"}, headers=headers)
        assert answer.status_code == 400

    run(bf, rasa, scenario)
    assert rasa.messages == []


@pytest.mark.parametrize(
    "credentials,message",
    [
        ({"app_password": "x"}, "'app_id' is required"),
        ({"app_id": "a"}, "'app_password' is required"),
        ({"app_id": "a", "app_password": "x", "openid_metadata_url": "http://evil.example/"}, "must be an https URL"),
        ({"app_id": "a", "app_password": "x", "allowed_tenants": "all"}, "'allowed_tenants' must be a list"),
    ],
)
def test_settings_errors_name_the_key(credentials: dict[str, Any], message: str) -> None:
    with pytest.raises(TeamsConfigError, match=message) as error:
        TeamsSettings.from_credentials(credentials)
    assert "bot.channels.teams.TeamsInput" in str(error.value)
    assert isinstance(error.value, ValueError)  # as before it had its own class


def test_settings_hide_the_password_and_default_to_the_partner_tenants() -> None:
    settings = TeamsSettings.from_credentials({"app_id": "a", "app_password": "pa55-w0rd-value"})
    assert "pa55-w0rd-value" not in repr(settings)
    assert RIVERSIDE_AAD in (settings.allowed_tenants or set())
    single = TeamsSettings.from_credentials({"app_id": "a", "app_password": "p", "tenant_id": RIVERSIDE_AAD.upper()})
    assert single.allowed_tenants == {RIVERSIDE_AAD}


class CardRasa(Rasa):
    """Answers every message with a card with buttons (the ticket offer)."""

    async def __call__(self, message: UserMessage) -> None:
        self.messages.append(message)
        await message.output_channel.send_response(message.sender_id, dict(replies.escalate()))


def test_a_used_card_is_drawn_again_without_buttons_and_old_cards_start_nothing(bf: FakeBotFramework) -> None:
    rasa = CardRasa()
    user = bf.add_user("Pat", "pat@northbrook.example")

    def cards() -> list[dict[str, Any]]:
        return [r for r in bf.replies() if r.get("attachments")]

    def press(card_id: str) -> dict[str, Any]:
        return bf.activity(user, value={PAYLOAD_KEY: "/affirm"}, replyToId=card_id)

    async def scenario(client: Any, channel: TeamsInput) -> None:
        await post(client, bf, bf.activity(user, "my vpn is down"))
        await until(lambda: len(cards()) == 1)
        await post(client, bf, bf.activity(user, "it says error 809"))
        await until(lambda: len(cards()) == 2 and len(bf.updates) == 1)
        first, second = (c["id"] for c in cards())
        assert bf.updates[0].activity["id"] == first  # a newer card closed the older one's buttons
        closed = bf.latest(first)
        assert not of_type(closed, "Action.Submit") and "conversation has moved on" in json.dumps(closed)

        await post(client, bf, press(second))
        await until(lambda: len(rasa.messages) == 3 and len(bf.updates) >= 2 and len(cards()) == 3)
        assert rasa.messages[-1].text == "/affirm"
        used = bf.latest(second)
        assert not of_type(used, "Action.Submit") and "✓ Yes" in json.dumps(used, ensure_ascii=False)  # what was chosen

        for stale in (second, first):  # pressed twice, or pressed on an old card: nothing starts
            await post(client, bf, press(stale))
        await until(lambda: sum("earlier message" in str(r.get("text")) for r in bf.replies()) == 2)
        await channel.drain()
        assert len(rasa.messages) == 3

    run(bf, rasa, scenario)


def test_a_card_sent_before_a_restart_still_works(bf: FakeBotFramework) -> None:
    rasa = Rasa()
    clicked = bf.activity(bf.add_user("Pat", "pat@northbrook.example"), value={PAYLOAD_KEY: "/helped"}, replyToId="x")

    async def scenario(client: Any, channel: TeamsInput) -> None:
        await post(client, bf, clicked)
        await until(lambda: bool(bf.replies()))

    run(bf, rasa, scenario)
    assert [m.text for m in rasa.messages] == ["/helped"]  # this process has no record of it: not refused


# ---- two replicas sharing their state through Redis (REDIS_URL) ----

Replicas = Callable[[list[Any], list[TeamsInput]], Awaitable[None]]


def replicas(bf: FakeBotFramework, rasa: Rasa, scenario: Replicas) -> None:
    """Two channels, each mounted in its own Sanic app as on two Rasa replicas; REDIS_URL is set."""
    channels = [TeamsInput.from_credentials(bf.credentials()) for _ in range(2)]
    apps = [Sanic(f"teams_replica_{n}_{id(scenario)}") for n in range(2)]
    for app, channel in zip(apps, channels, strict=True):
        app.blueprint(channel.blueprint(rasa), url_prefix="/webhooks/teams")

    async def main() -> None:
        try:
            await scenario([app.asgi_client for app in apps], channels)
        finally:
            for channel in channels:
                await channel.client.close()
                await channel.state.close()

    asyncio.run(main())


@pytest.fixture
def shared_state(redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("REDIS_URL", redis_server.url(3))
    yield
    redis.Redis(port=redis_server.port, db=3).flushdb()


@pytest.mark.usefixtures("shared_state")
def test_an_activity_retried_on_the_other_replica_is_answered_once(bf: FakeBotFramework) -> None:
    rasa = Rasa()
    activity = bf.activity(bf.add_user("Sam", "sam@northbrook.example"), "printer jammed")

    async def scenario(clients: list[Any], channels: list[TeamsInput]) -> None:
        first, again = await post(clients[0], bf, activity), await post(clients[1], bf, activity)
        assert (first.status_code, again.status_code) == (202, 200)
        await until(lambda: bool(bf.replies()))
        await asyncio.gather(*(channel.drain() for channel in channels))

    replicas(bf, rasa, scenario)
    assert len(rasa.messages) == 1 and len(bf.replies()) == 1


@pytest.mark.usefixtures("shared_state")
def test_news_sent_by_the_other_replica_reaches_the_users_conversation(bf: FakeBotFramework) -> None:
    rasa = Rasa()
    pat = bf.add_user("Pat", "pat@northbrook.example")

    async def scenario(clients: list[Any], channels: list[TeamsInput]) -> None:
        await post(clients[0], bf, bf.activity(pat, "raise a ticket"))
        await until(lambda: bool(bf.replies()))
        await channels[1].get_output_channel().send_response(pat["id"], {"text": "Update: INC0010002 is resolved."})

    replicas(bf, rasa, scenario)
    assert [r["text"] for r in bf.replies()] == ["you said: raise a ticket", "Update: INC0010002 is resolved."]


def test_with_redis_down_a_turn_is_still_answered(
    bf: FakeBotFramework, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("REDIS_URL", f"redis://:hunter2-not-logged@127.0.0.1:{free_port()}/0")  # nothing listens
    rasa = Rasa()
    pat = bf.add_user("Pat", "pat@northbrook.example")

    async def scenario(client: Any, channel: TeamsInput) -> None:
        assert (await post(client, bf, bf.activity(pat, "is email down?"))).status_code == 202
        await until(lambda: bool(bf.replies()))

    with caplog.at_level(logging.WARNING):
        run(bf, rasa, scenario)
    assert [r["text"] for r in bf.replies()] == ["you said: is email down?"]
    assert "Redis unavailable" in caplog.text and "hunter2" not in caplog.text


@pytest.mark.usefixtures("shared_state")
def test_a_button_pressed_twice_across_replicas_starts_one_flow(bf: FakeBotFramework) -> None:
    rasa = CardRasa()
    user = bf.add_user("Pat", "pat@northbrook.example")

    def cards() -> list[dict[str, Any]]:
        return [r for r in bf.replies() if r.get("attachments")]

    async def scenario(clients: list[Any], channels: list[TeamsInput]) -> None:
        await post(clients[0], bf, bf.activity(user, "my vpn is down"))
        await channels[0].drain()  # the card is sent, and recorded as the live one
        card_id = cards()[0]["id"]
        # A double click: two activities, one reaching each replica.
        presses = [bf.activity(user, value={PAYLOAD_KEY: "/affirm"}, replyToId=card_id) for _ in clients]
        await asyncio.gather(*(post(client, bf, press) for client, press in zip(clients, presses, strict=True)))
        await until(lambda: any("earlier message" in str(r.get("text")) for r in bf.replies()))
        await asyncio.gather(*(channel.drain() for channel in channels))

    replicas(bf, rasa, scenario)
    assert [m.text for m in rasa.messages] == ["my vpn is down", "/affirm"]
