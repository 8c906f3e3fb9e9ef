"""The web widget channel inside a Sanic app, as Rasa mounts it: what it serves, whom it admits,
what it passes to Rasa and what it sends back."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from rasa.core.channels.channel import UserMessage
from sanic import Sanic
from socketio.exceptions import ConnectionRefusedError

from bot.channels.inbound import SLOW_DOWN
from bot.channels.webchat import WebChatInput, WebChatOutput
from bot.channels.webchat_pages import FILES
from bot.channels.widget_auth import mint_token, sender_id, verify_token
from bot.identity import IDENTITY_KEY, SEAL_KEY_SETTING, IdentitySeal, VerifiedIdentity
from bot.studio.starters import StarterStore
from tests.channels.conftest import TEST_SEAL_KEY
from tests.channels.test_articles import article, build

SECRET = "w" * 40
PREFIX = "/webhooks/webchat"


class Received:
    def __init__(self) -> None:
        self.messages: list[UserMessage] = []

    async def __call__(self, message: UserMessage) -> None:
        self.messages.append(message)


def make_app(tmp_path: Path, **env: str) -> tuple[Sanic, WebChatInput, Received]:
    build(
        tmp_path / "index",
        "b1",
        [
            article("vpn-connect", title="VPN <b>won't</b> connect", body="## Steps\n\n<script>alert(1)</script>"),
            article("riverside-only", audience=["riverside"]),
        ],
    )
    settings = {
        "ASKIT_WIDGET_JWT_SECRET": SECRET,
        "ASKIT_INDEX_DIR": str(tmp_path / "index"),
        SEAL_KEY_SETTING: TEST_SEAL_KEY,
        **env,
    }
    channel = WebChatInput(env=settings)
    received = Received()
    app = Sanic(f"webchat_test_{len(env)}_{id(channel)}")
    app.blueprint(channel.blueprint(received), url_prefix=PREFIX)
    return app, channel, received


@pytest.fixture
def app(tmp_path: Path) -> tuple[Sanic, WebChatInput, Received]:
    return make_app(tmp_path)


def get(app: Sanic, path: str) -> Any:
    _, reply = app.test_client.get(path)
    return reply


def test_the_widget_files_are_served_with_their_types(app: tuple[Sanic, WebChatInput, Received]) -> None:
    for name, mime_type in FILES.items():
        reply = get(app[0], f"{PREFIX}/{name}")
        assert reply.status == 200, name
        assert reply.headers["content-type"].startswith(mime_type)
        assert reply.headers["x-content-type-options"] == "nosniff"
    assert "Socket.IO" in get(app[0], f"{PREFIX}/vendor/socket.io.min.js").text[:200]
    assert "attachShadow" in get(app[0], f"{PREFIX}/askit-widget.js").text


@pytest.mark.parametrize(
    "path",
    [
        "/vendor/../../channels/webchat.py",
        "/vendor/..%2F..%2Fchannels%2Fwebchat.py",
        "/..%2Fchannels%2Fwebchat.py",
        "/%2e%2e/channels/webchat.py",
        "/index.html",  # served only as the page "/", and only in development mode
        "/vendor/",
        "/articles/..%2F..%2F..%2Fcredentials.yml",
        "/articles/%2e%2e",
    ],
)
def test_nothing_else_is_reachable(app: tuple[Sanic, WebChatInput, Received], path: str) -> None:
    assert get(app[0], PREFIX + path).status == 404


def test_outside_development_mode_the_page_explains_and_no_token_is_minted(
    app: tuple[Sanic, WebChatInput, Received],
) -> None:
    page = get(app[0], f"{PREFIX}/")
    assert page.status == 200 and "data-token-url" in page.text and "demo.js" not in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert get(app[0], f"{PREFIX}/dev-token?user=abcdef123").status == 404


def test_in_development_mode_the_demo_page_signs_in_a_demo_user_per_name(tmp_path: Path) -> None:
    app, channel, _ = make_app(tmp_path, ASKIT_DEV_MODE="1")
    page = get(app, f"{PREFIX}/")
    assert page.status == 200 and '<script src="demo.js"></script>' in page.text
    assert "'unsafe-inline'" not in page.headers["content-security-policy"]
    reply = get(app, f"{PREFIX}/dev-token?user=abc123def")
    assert reply.status == 200 and reply.headers["cache-control"] == "no-store"
    identity = verify_token(reply.json["token"], channel.config)
    assert identity == {
        "id": "demo-abc123def",
        "email": "demo-abc123def@northbrook.example",
        "name": "Demo user abc123",
    }
    other = verify_token(get(app, f"{PREFIX}/dev-token?user=zzz999zzz").json["token"], channel.config)
    assert sender_id(other) != sender_id(identity)
    for bad in ("", "ab", "Alice", "a@b.example", "../x", "x" * 33):
        assert get(app, f"{PREFIX}/dev-token?user={bad}").status == 400


def test_the_demo_user_name_is_checked_whole(tmp_path: Path) -> None:
    # "^...$" with match() took "abcdef\n": "$" also matches before a final newline.
    app, _, _ = make_app(tmp_path, ASKIT_DEV_MODE="1")
    for bad in ("abcdef%0A", "abcdef%0D%0A", "%0Aabcdef", "abcdef%00", "abcdef%20", "abc%0Adef"):
        assert get(app, f"{PREFIX}/dev-token?user={bad}").status == 400, bad
    assert get(app, f"{PREFIX}/dev-token?user=abcdef").status == 200


def test_an_article_as_json_and_as_a_page(app: tuple[Sanic, WebChatInput, Received]) -> None:
    data = get(app[0], f"{PREFIX}/articles/vpn-connect.json")
    assert data.status == 200
    base = f"http://127.0.0.1:{app[0].test_client.port}"
    assert data.json == {
        "id": "vpn-connect",
        "title": "VPN <b>won't</b> connect",
        "category": "network",
        "body": "## Steps\n\n<script>alert(1)</script>",
        "url": f"{base}{PREFIX}/articles/vpn-connect",
    }
    page = get(app[0], f"{PREFIX}/articles/vpn-connect")
    assert page.status == 200 and page.headers["content-type"].startswith("text/html")
    assert "<h1>VPN &lt;b&gt;won&#x27;t&lt;/b&gt; connect</h1>" in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text and "<script>alert" not in page.text
    assert f'data-article-url="{base}{PREFIX}/articles/{{id}}"' in page.text
    assert '<script src="../markdown.js"></script>' in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]


@pytest.mark.parametrize(
    "name", ["no-such-article", "riverside-only", "VPN-connect", "vpn_connect", "vpn-connect.html"]
)
def test_unknown_hidden_or_malformed_articles_are_not_found(
    app: tuple[Sanic, WebChatInput, Received], name: str
) -> None:
    assert get(app[0], f"{PREFIX}/articles/{name}").status == 404
    assert get(app[0], f"{PREFIX}/articles/{name}.json").status == 404


# ---- the socket ----


def handler(channel: WebChatInput, event: str) -> Any:
    assert channel.sio is not None
    return channel.sio.handlers["/"][event]


def environ(origin: str | None = None) -> dict[str, Any]:
    env = {"wsgi.url_scheme": "https", "HTTP_HOST": "askit.example"}
    if origin:
        env["HTTP_ORIGIN"] = origin
    return env


class FakeSessions:
    """Stands in for the socket.io server's per-connection storage and rooms."""

    def __init__(self, channel: WebChatInput) -> None:
        self.sessions: dict[str, dict[str, Any]] = {}
        self.rooms: list[tuple[str, str]] = []
        self.emitted: list[tuple[str, Any, str]] = []
        sio: Any = channel.sio

        async def save_session(sid: str, session: dict[str, Any]) -> None:
            self.sessions[sid] = session

        async def get_session(sid: str) -> dict[str, Any]:
            return self.sessions[sid]

        async def enter_room(sid: str, room: str) -> None:
            self.rooms.append((sid, room))

        async def emit(event: str, data: Any, room: str) -> None:
            self.emitted.append((event, data, room))

        sio.save_session, sio.get_session, sio.enter_room, sio.emit = save_session, get_session, enter_room, emit


@pytest.mark.parametrize(
    "auth,origin,reason",
    [
        (None, None, "no token"),
        ({}, None, "no token"),
        ({"token": "forged"}, None, "invalid token"),
        ({"token": mint_token("x" * 40, "ann")}, None, "invalid token"),
        ({"token": mint_token(SECRET, "ann", lifetime=-3600)}, None, "token expired"),
        ({"token": mint_token(SECRET, "ann")}, "https://evil.example", "origin not allowed"),
    ],
    ids=["no-auth", "no-token", "garbage", "wrong-key", "expired", "other-origin"],
)
def test_connections_without_a_valid_token_from_an_allowed_page_are_refused(
    app: tuple[Sanic, WebChatInput, Received], auth: Any, origin: str | None, reason: str
) -> None:
    _, channel, _ = app
    sessions = FakeSessions(channel)
    with pytest.raises(ConnectionRefusedError) as refused:
        asyncio.run(handler(channel, "connect")("sid1", environ(origin), auth))
    assert refused.value.error_args == {"message": reason}
    assert sessions.sessions == {} and sessions.rooms == []


async def utter(channel: WebChatInput, sid: str, data: object) -> None:
    """The browser's user_uttered event, and the turn it queues run to the end."""
    await handler(channel, "user_uttered")(sid, data)
    assert channel.turns is not None
    await channel.turns.drain()


def test_a_valid_token_joins_the_subjects_conversation_and_only_its_text_reaches_rasa(
    app: tuple[Sanic, WebChatInput, Received],
) -> None:
    _, channel, received = app
    sessions = FakeSessions(channel)
    token = mint_token(SECRET, "ann", email="ann@riverside.example", tenant="riverside")
    asyncio.run(handler(channel, "connect")("sid1", environ("https://askit.example"), {"token": token}))
    conversation = sender_id({"id": "ann"})
    assert sessions.rooms == [("sid1", conversation)]
    session = asyncio.run(handler(channel, "session")("sid1", None))
    assert session == {
        "session_id": conversation,
        "article_url": "https://askit.example/webhooks/webchat/articles/{id}",
    }

    forged = {
        "message": "I forgot my password",
        "metadata": {IDENTITY_KEY: {"id": "boss", "email": "boss@riverside.example"}},
        "session_id": sender_id({"id": "boss"}),
        "sender": "boss",
    }
    asyncio.run(utter(channel, "sid1", forged))
    [message] = received.messages
    assert (message.text, message.sender_id, message.input_channel) == ("I forgot my password", conversation, "webchat")
    ann: VerifiedIdentity = {"id": "ann", "email": "ann@riverside.example", "tenant": "riverside"}
    assert message.metadata == IdentitySeal(TEST_SEAL_KEY).metadata("webchat", conversation, ann)
    asyncio.run(utter(channel, "sid1", {"text": "no message field"}))
    assert len(received.messages) == 1


def test_a_new_conversation_opens_on_the_welcome_and_a_reconnect_gets_none(tmp_path: Path) -> None:
    database = tmp_path / "backoffice.sqlite"
    _, channel, _ = make_app(tmp_path, ASKIT_BACKOFFICE_DB=str(database))
    StarterStore.open(database).set_chosen("riverside", ["riverside-only", "vpn-connect"])
    sessions = FakeSessions(channel)
    token = mint_token(SECRET, "ann", name="Ann Other", tenant="riverside")
    asyncio.run(handler(channel, "connect")("sid1", environ("https://askit.example"), {"token": token}))
    sessions.emitted.clear()  # the known problems banner (none)
    assert asyncio.run(handler(channel, "session")("sid1", {"new": True}))["session_id"] == sender_id({"id": "ann"})
    [(event, hello, room)] = sessions.emitted  # sent before the answer, to this tab only
    assert (event, room) == ("bot_uttered", "sid1")
    assert hello["text"].startswith("Hello Ann, I'm AskIT")
    assert hello["custom"] == {"flow": "welcome", "starters": ["riverside-only", "vpn-connect"]}
    assert hello["quick_replies"] == [
        {"title": "Title of riverside-only", "payload": '/choose_article{"article_id":"riverside-only"}'},
        {"title": "VPN <b>won't</b> connect", "payload": '/choose_article{"article_id":"vpn-connect"}'},
    ]
    sessions.emitted.clear()
    for shown_already in (None, {}, {"new": False}, {"new": "true"}, ["new"]):  # a reconnect, a reload, a stranger
        asyncio.run(handler(channel, "session")("sid1", shown_already))
    assert sessions.emitted == []


def test_with_no_key_every_connection_is_refused_and_the_reason_logged_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    channel = WebChatInput(env={"ASKIT_INDEX_DIR": str(tmp_path), SEAL_KEY_SETTING: TEST_SEAL_KEY})
    Sanic(f"webchat_nokey_{id(channel)}").blueprint(channel.blueprint(Received()), url_prefix=PREFIX)
    for _ in range(3):
        with pytest.raises(ConnectionRefusedError):
            asyncio.run(handler(channel, "connect")("sid", environ(), {"token": mint_token(SECRET, "ann")}))
    assert len([r for r in caplog.records if "ASKIT_WIDGET_JWT_SECRET" in r.getMessage()]) == 1


def test_a_malformed_article_link_setting_stops_the_start(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="ASKIT_ARTICLE_URL"):
        WebChatInput(env={"ASKIT_WIDGET_JWT_SECRET": SECRET, "ASKIT_ARTICLE_URL": "https://intranet.example/kb"})


# ---- the output channel ----


class RecordingServer:
    def __init__(self) -> None:
        self.emitted: list[tuple[str, Any, str]] = []

    async def emit(self, event: str, data: Any, room: str) -> None:
        self.emitted.append((event, data, room))


def test_each_bot_message_is_emitted_whole_to_the_conversations_room() -> None:
    sio = RecordingServer()
    out = WebChatOutput(sio, lambda article_id: f"https://askit.example/a/{article_id}")
    long_text = "**Title**\n\nStep one.\n\nStep two.\n\nDid this help?"
    message = {
        "text": long_text,
        "buttons": [{"title": "Yes", "payload": "/helped"}],
        "custom": {"decision": "answer", "article_id": "vpn-connect"},
    }
    asyncio.run(out.send_response("webchat-abc", message))
    asyncio.run(out.send_text_message("webchat-abc", "Hello"))
    assert sio.emitted == [
        (
            "bot_uttered",
            {
                "text": long_text,
                "quick_replies": [{"title": "Yes", "payload": "/helped"}],
                "custom": {
                    "decision": "answer",
                    "article_id": "vpn-connect",
                    "article_url": "https://askit.example/a/vpn-connect",
                },
            },
            "webchat-abc",
        ),
        ("bot_uttered", {"text": "Hello", "quick_replies": [], "custom": {}}, "webchat-abc"),
    ]


def news_links(channel: WebChatInput, sessions: FakeSessions, conversation: str) -> list[str | None]:
    """The article links in answers pushed to a conversation outside a turn, as ticket news is."""
    out = channel.get_output_channel()
    assert isinstance(out, WebChatOutput)
    sessions.emitted.clear()
    for article_id in ("vpn-connect", "riverside-only"):
        answer = {"text": "x", "custom": {"decision": "answer", "article_id": article_id}}
        asyncio.run(out.send_response(conversation, answer))
    assert {room for _, _, room in sessions.emitted} == {conversation}
    return [data["custom"].get("article_url") for _, data, _ in sessions.emitted]


def test_news_sent_later_links_only_articles_this_server_shows(app: tuple[Sanic, WebChatInput, Received]) -> None:
    _, channel, _ = app
    sessions = FakeSessions(channel)
    ann = sender_id({"id": "ann"})
    assert news_links(channel, sessions, ann) == [None, None]  # no browser yet, so no address to link from
    asyncio.run(handler(channel, "connect")("sid1", environ(), {"token": mint_token(SECRET, "ann")}))
    assert news_links(channel, sessions, ann) == ["https://askit.example/webhooks/webchat/articles/vpn-connect", None]
    assert news_links(channel, sessions, "room") == [None, None]  # a conversation no browser has joined


def test_news_is_linked_with_its_own_users_address_not_the_last_connected(
    app: tuple[Sanic, WebChatInput, Received],
) -> None:
    """One user's news took the address of whichever user connected last (issue 11)."""
    _, channel, _ = app
    sessions = FakeSessions(channel)
    intranet = {"wsgi.url_scheme": "https", "HTTP_HOST": "askit.riverside.example"}
    direct = {"wsgi.url_scheme": "http", "HTTP_HOST": "10.0.0.7:5005"}
    asyncio.run(handler(channel, "connect")("sid-ann", intranet, {"token": mint_token(SECRET, "ann")}))
    asyncio.run(handler(channel, "connect")("sid-bob", direct, {"token": mint_token(SECRET, "bob")}))
    ann, bob = sender_id({"id": "ann"}), sender_id({"id": "bob"})
    assert news_links(channel, sessions, ann) == [
        "https://askit.riverside.example/webhooks/webchat/articles/vpn-connect",
        None,
    ]
    assert news_links(channel, sessions, bob) == ["http://10.0.0.7:5005/webhooks/webchat/articles/vpn-connect", None]
    # Someone else connecting moves neither; Ann's own reconnection from elsewhere moves hers.
    southmere = {"wsgi.url_scheme": "https", "HTTP_HOST": "askit.southmere.example"}
    asyncio.run(handler(channel, "connect")("sid-cat", southmere, {"token": mint_token(SECRET, "cat")}))
    assert (
        news_links(channel, sessions, ann)[0] == "https://askit.riverside.example/webhooks/webchat/articles/vpn-connect"
    )
    assert news_links(channel, sessions, bob)[0] == "http://10.0.0.7:5005/webhooks/webchat/articles/vpn-connect"
    asyncio.run(handler(channel, "connect")("sid-ann2", direct, {"token": mint_token(SECRET, "ann")}))
    assert news_links(channel, sessions, ann)[0] == "http://10.0.0.7:5005/webhooks/webchat/articles/vpn-connect"


def test_with_a_public_url_all_news_links_to_it(tmp_path: Path) -> None:
    _, channel, _ = make_app(tmp_path, ASKIT_PUBLIC_URL="https://askit.sharedict.example/")
    sessions = FakeSessions(channel)
    ann = sender_id({"id": "ann"})
    public = "https://askit.sharedict.example/webhooks/webchat/articles/vpn-connect"
    assert news_links(channel, sessions, ann) == [public, None]  # configured: no browser needed
    asyncio.run(handler(channel, "connect")("sid1", environ(), {"token": mint_token(SECRET, "ann")}))
    assert news_links(channel, sessions, ann) == [public, None]


def test_a_flood_is_told_to_slow_down_once_and_every_accepted_message_reaches_rasa_in_order(
    app: tuple[Sanic, WebChatInput, Received],
) -> None:
    """Finding 9: 100 widget messages from one person got 57 answers; 43 were dropped silently."""
    _, channel, received = app
    sessions = FakeSessions(channel)
    token = mint_token(SECRET, "ann", email="ann@riverside.example")

    async def flood() -> None:
        await handler(channel, "connect")("sid1", environ("https://askit.example"), {"token": token})
        for i in range(100):
            await handler(channel, "user_uttered")("sid1", {"message": f"message {i}"})
        assert channel.turns is not None
        await channel.turns.drain()

    asyncio.run(flood())
    texts = [m.text for m in received.messages]
    assert texts and texts == sorted(texts, key=lambda t: int(t.split()[1]))  # in the order typed
    assert len(texts) < 100  # a paste-flood is refused at the door...
    slow_downs = [data for event, data, _ in sessions.emitted if event == "bot_uttered" and data["text"] == SLOW_DOWN]
    assert len(slow_downs) == 1  # ...and told so once, not once per refused message
