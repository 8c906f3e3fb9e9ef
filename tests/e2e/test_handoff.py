"""Live chat with a person, end to end on real servers: a member of staff in the web widget
(WidgetClient) or in Teams (through the fake Bot Framework), and a service-desk agent on the
broker's /agents socket.io namespace (python-socketio, as the console speaks it). The stack's
handoff.yml keeps Northbrook's desk open all week and Riverside's shut, so one stack shows both a
queue and the out-of-hours answer, and posts request cards into a Teams agents' channel."""

from __future__ import annotations

import datetime as dt
import secrets
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
import socketio

from bot.handoff.agent_token import mint
from bot.handoff.store import HandoffStore
from bot.launcher import RASA_READY_TIMEOUT, RASA_SERVER
from bot.requester import Requester
from bot.servicedesk.local import LocalServiceDesk
from bot.servicedesk.models import TicketRequest
from tests.cards import of_type
from tests.channels.fake_botframework import NORTHBROOK_AAD, FakeBotFramework
from tests.e2e.conftest import TEAMS_PASSWORD_SETTING, Chat, running_chat
from tests.e2e.teams_user import Teams, askit
from tests.e2e.widget_client import WidgetClient, custom_has

pytestmark = pytest.mark.own_stack  # starts servers of its own: the second end-to-end process
AGENT_SECRET = secrets.token_urlsafe(32)
WAIT = 60.0
AGENTS_CHANNEL = "19:askit-agents-0123456789abcdef@thread.tacv2"
CONSOLE_URL = "https://askit-admin.example"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALL_WEEK = "\n".join(f'    {day}: "00:00-24:00"' for day in DAYS)
# Riverside's desk opens only on the day after tomorrow, from 09:00 to 10:00: shut now, opening known.
OPEN_DAY = DAYS[(dt.datetime.now(ZoneInfo("Europe/London")).weekday() + 2) % 7]
ONE_HOUR = '"09:00-10:00"'
SHUT = "\n".join(f"    {day}: {ONE_HOUR if day == OPEN_DAY else 'closed'}" for day in DAYS)
HANDOFF_YML = f"""
hours:
  default:
    time_zone: Europe/London
{ALL_WEEK}
  riverside:
{SHUT}
groups:
  service-desk:
    name: Service Desk
    councils: all
capacity: 3
timeouts:
  queue: 1            # the shortest there is: the queue-timeout test waits for it
  agent_response: 10  # longer than a Rasa restart on a busy machine
teams_agents_channel: "{AGENTS_CHANNEL}"
"""


class Agent:
    """A service-desk agent's console connection: every event it is sent, and acknowledged calls."""

    def __init__(self, chat: Chat, agent_id: str, name: str, token: str | None = None) -> None:
        self.events: list[tuple[str, Any]] = []
        self.client = socketio.Client()
        for event in ("queue", "handoff", "message", "typing"):
            self.client.on(event, self._keep(event), namespace="/agents")
        token = token or mint(AGENT_SECRET, agent_id, name=name, groups=["service-desk"], councils=["all"])
        self.client.connect(
            chat.stack.rasa_url,
            socketio_path="/socket.io",
            transports=["websocket"],
            namespaces=["/agents"],
            auth={"token": token},
            wait_timeout=20,
        )

    def _keep(self, event: str) -> Callable[[Any], None]:
        return lambda data: self.events.append((event, data))

    def call(self, event: str, data: dict[str, Any]) -> dict[str, Any]:
        answer: dict[str, Any] = self.client.call(event, data, namespace="/agents", timeout=WAIT)
        return answer

    def wait_for(self, event: str, found: Callable[[Any], bool]) -> Any:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            match = next((d for e, d in list(self.events) if e == event and found(d)), None)
            if match is not None:
                return match
            self.client.sleep(0.05)
        raise AssertionError(f"no {event} event as wanted; got {self.events[-10:]}")

    def messages(self, handoff_id: str) -> list[dict[str, Any]]:
        return [d for e, d in list(self.events) if e == "message" and d["handoff_id"] == handoff_id]

    def close(self) -> None:
        self.client.disconnect()


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, bf: FakeBotFramework) -> Iterator[Chat]:
    work = tmp_path_factory.mktemp("e2e-handoff")
    teams_connector = f'teams_service_url: "{bf.service_url}"\n'
    (work / "handoff.yml").write_text(HANDOFF_YML + teams_connector, encoding="utf-8")
    settings = {
        "ASKIT_BACKOFFICE_DB": str(work / "backoffice.sqlite"),
        "ASKIT_HANDOFF_FILE": str(work / "handoff.yml"),
        "ASKIT_AGENT_TOKEN_SECRET": AGENT_SECRET,
        "ASKIT_HANDOFF_SWEEP_SECONDS": "2",
        "ASKIT_BACKOFFICE_PUBLIC_URL": CONSOLE_URL,
        TEAMS_PASSWORD_SETTING: bf.app_password,
    }
    credentials = bf.credentials_file(work / "credentials.yml", app_password=f"${{{TEAMS_PASSWORD_SETTING}}}")
    with running_chat(work, settings, credentials=credentials) as chat:
        yield chat


def store(chat: Chat) -> HandoffStore:
    return HandoffStore.open(chat.stack.extra_env["ASKIT_BACKOFFICE_DB"])


def user(chat: Chat, sub: str, tenant: str = "northbrook") -> WidgetClient:
    token = chat.widget_token(sub, email=f"{sub}@{tenant}.example", name=sub.replace("-", " ").title(), tenant=tenant)
    client = WidgetClient(chat.stack.rasa_url, token)
    client.typing = []  # type: ignore[attr-defined]
    client.client.on("bot_typing", client.typing.append)  # type: ignore[attr-defined]
    return client


def flow(name: str) -> Callable[[dict[str, Any]], bool]:
    return custom_has("flow", name)


def test_a_person_takes_the_chat_and_gives_it_back(live: Chat) -> None:
    alex = Agent(live, "alex", "Alex Morgan")
    blake = Agent(live, "blake", "Blake Shaw")
    try:
        for agent in (alex, blake):
            assert agent.call("presence", {"state": "available"})["ok"]
        printer = TicketRequest(
            "Printer jams on floor 2", "d", Requester("sam-patel"), "printing", "P4", "service-desk", "sam-printer"
        )
        open_ticket = LocalServiceDesk(live.desk_db).create_ticket(printer).ref  # raised by phone last week
        with user(live, "sam-patel") as sam:
            queued = sam.say("i'd like to speak to a human", flow("handoff_queued"))["custom"]
            handoff_id = queued["handoff_id"]
            assert queued["position"] == 1
            assert "You're next in the queue" in sam.received[-1]["text"]
            assert "Type cancel to stop waiting" in sam.received[-1]["text"]
            alex.wait_for("queue", lambda q: [w["handoff_id"] for w in q["waiting"]] == [handoff_id])

            # Thirty messages at once while queued: every one reaches the agents, once, in order; none the bot.
            before = len(sam.received)
            for n in range(1, 31):
                sam.client.emit("user_uttered", {"message": f"waiting message {n}"})
            alex.wait_for("message", lambda m: m["handoff_id"] == handoff_id and m["text"] == "waiting message 30")
            assert [m["text"] for m in alex.messages(handoff_id)] == [f"waiting message {n}" for n in range(1, 31)]

            # Two agents accept at once: exactly one wins, the other is told who has it.
            answers = [alex.call("accept", {"handoff_id": handoff_id})]
            answers.append(blake.call("accept", {"handoff_id": handoff_id}))
            assert answers[0]["ok"] and answers[0]["handoff"]["agent_name"] == "Alex Morgan"
            assert not answers[1]["ok"] and "Alex Morgan" in answers[1]["error"]
            joined = sam.wait_for(flow("handoff_started"), start=before)
            assert joined["text"] == "Alex Morgan from the Service Desk has joined the chat."
            assert sam.received[before:] == [joined]  # the bot said nothing to the thirty messages

            # A console Alex opens anew (another browser) is told of the chat Alex holds.
            elsewhere = Agent(live, "alex", "Alex Morgan")
            try:
                held = elsewhere.wait_for("handoff", lambda h: h["handoff_id"] == handoff_id)
                assert held["state"] == "assigned" and held["agent_id"] == "alex"
            finally:
                elsewhere.close()

            # The agent sees Sam typing; a question the bot knows is the person's to answer now.
            sam.client.emit("user_typing", {})
            assert alex.wait_for("typing", lambda t: True) == {"handoff_id": handoff_id, "who": "user"}
            assert not [e for e in blake.events if e[0] == "typing"]  # only the agent who has the chat
            before = len(sam.received)
            sam.client.emit("user_uttered", {"message": "I forgot my password"})
            alex.wait_for("message", lambda m: m["text"] == "I forgot my password" and m["sender"] == "user")
            assert alex.call("typing", {"handoff_id": handoff_id})["ok"]
            sent = alex.call("send", {"handoff_id": handoff_id, "message_id": "a-1", "text": "I'll reset it for you."})
            assert sent["ok"]
            again = alex.call("send", {"handoff_id": handoff_id, "message_id": "a-1", "text": "I'll reset it for you."})
            assert again == sent  # the same message id is stored and delivered once
            answer = sam.wait_for(flow("handoff_message"), start=before)
            assert answer["text"] == "Alex Morgan (Service Desk): I'll reset it for you."
            assert answer["custom"] == {"flow": "handoff_message", "handoff_id": handoff_id, "agent": "Alex Morgan"}
            assert sam.received[before:] == [answer]  # not the bot's article
            assert sam.typing == [{"name": "Alex Morgan", "handoff_id": handoff_id}]  # type: ignore[attr-defined]

            # Twenty lines sent without waiting for each answer (as the console resends after a
            # reconnect) are stored and shown in the order they were sent.
            before = len(sam.received)
            for n in range(1, 21):
                burst = {"handoff_id": handoff_id, "message_id": f"burst-{n}", "text": f"step {n}"}
                alex.client.emit("send", burst, namespace="/agents")
            sam.wait_for(lambda m: m.get("text", "").endswith(": step 20"), start=before)
            expected = [f"Alex Morgan (Service Desk): step {n}" for n in range(1, 21)]
            assert [m["text"] for m in sam.received[before:]] == expected

            # Blake may not speak in Alex's chat; nobody may send nonsense.
            refused = blake.call("send", {"handoff_id": handoff_id, "message_id": "b-1", "text": "hello"})
            assert not refused["ok"] and "does not hold" in refused["error"]
            assert not alex.call("send", {"handoff_id": handoff_id, "message_id": "a-2", "text": "x" * 2001})["ok"]
            assert not alex.call("send", {"handoff_id": "../etc", "message_id": "a-3", "text": "hi"})["ok"]
            assert alex.call("note", {"handoff_id": handoff_id, "message_id": "n-1", "text": "Reset in AD."})["ok"]

            history = alex.call("history", {"handoff_id": handoff_id})
            assert history["ok"] and history["handoff"]["state"] == "assigned"
            senders = [(m["sender"], m["text"]) for m in history["messages"]]
            assert senders[:30] == [("user", f"waiting message {n}") for n in range(1, 31)]
            assert ("note", "Reset in AD.") in senders
            assert any("speak to a human" in line["text"] for line in history["context"]["conversation"])
            assert history["context"]["requester"]["council"] == "northbrook"
            assert history["context"]["tickets"] == [
                {"ref": open_ticket, "title": "Printer jams on floor 2", "status": "open"}
            ]

            # Close: exactly once; the bot is back and asks for a rating.
            before = len(sam.received)
            closed = alex.call("close", {"handoff_id": handoff_id, "note": "Password reset; user can sign in."})
            assert closed["ok"] and closed["handoff"]["state"] == "closed"
            twice = alex.call("close", {"handoff_id": handoff_id})
            assert not twice["ok"] and "closed" in twice["error"]
            ended = sam.wait_for(flow("handoff_ended"), start=before)
            assert ended["custom"]["handoff_id"] == handoff_id
            ratings = [r["payload"] for r in ended["quick_replies"]]
            assert len(ratings) == 5
            sam.say(ratings[3], flow("handoff_rated"))
            assert store(live).get(handoff_id).csat == 4

            back = sam.say("I forgot my password", lambda m: "decision" in (m.get("custom") or {}))
            assert back["custom"]["decision"] == "answer"

        # The desk holds the chat: transcript, notes and outcome, through the outbox.
        ticket = wait_until(lambda: next((t for t in live.tickets() if "Live chat" in t["summary"]), None))
        assert "waiting message 1\n" in ticket["description"] + "\n"
        assert "Alex Morgan: I'll reset it for you." in ticket["description"]
        assert "Reset in AD." in ticket["description"] and "Password reset; user can sign in." in ticket["description"]
        assert wait_until(lambda: store(live).get(handoff_id).ticket_ref)

        # The tracker keeps both sides, marked with the handoff.
        tracker = requests.get(
            f"{live.stack.rasa_url}/conversations/{store(live).get(handoff_id).conversation}/tracker",
            params={"token": live.stack.api_token},
            timeout=WAIT,
        ).json()
        marked = [(e["event"], e.get("text")) for e in tracker["events"] if (e.get("metadata") or {}).get("handoff_id")]
        assert ("user", "waiting message 3") in marked
        assert ("bot", "Alex Morgan (Service Desk): I'll reset it for you.") in marked
    finally:
        alex.close()
        blake.close()


def channel_card(bf: FakeBotFramework, handoff_id: str) -> tuple[str, dict[str, Any]]:
    """The agents' channel card of ``handoff_id`` as agents see it now: (its activity id, its card)."""
    link = f"{CONSOLE_URL}/agents?chat={handoff_id}"
    posted = [a for a in bf.replies(AGENTS_CHANNEL) if link in str(a)]
    assert len(posted) == 1, f"{len(posted)} cards posted for one request"
    card: dict[str, Any] = bf.latest(posted[0]["id"])["attachments"][0]["content"]
    return posted[0]["id"], card


def status(card: dict[str, Any]) -> str:
    [facts] = of_type(card, "FactSet")
    return str(next(f["value"] for f in facts["facts"] if f["title"] == "Status"))


def test_a_teams_user_chats_with_the_agent_in_their_own_teams_chat(live: Chat, bf: FakeBotFramework) -> None:
    alex = Agent(live, "alex", "Alex Morgan")
    try:
        assert alex.call("presence", {"state": "available"})["ok"]
        jo = Teams(live, bf, bf.add_user("Jo Rivers", "jo.rivers@northbrook.example"), NORTHBROOK_AAD)
        queued = askit(jo.say("i'd like to speak to a human"))
        assert queued["flow"] == "handoff_queued"
        handoff_id = queued["handoff_id"]

        # The agents' channel gets a card: who, the council, the question, Accept in the console.
        bf.wait_for(lambda: any(handoff_id in str(a) for a in bf.replies(AGENTS_CHANNEL)), WAIT, "the request card")
        card_id, card = channel_card(bf, handoff_id)
        assert "Live chat request: Jo Rivers" in str(card) and "northbrook" in str(card)
        assert status(card) == "Waiting for an agent"
        [accept] = of_type(card, "Action.OpenUrl")
        assert accept["url"] == f"{CONSOLE_URL}/agents?chat={handoff_id}"

        # Teams throttles: the joined line is refused once with Retry-After and sent after it.
        before = len(jo.replies())
        bf.throttle(1, retry_after="2")
        assert alex.call("accept", {"handoff_id": handoff_id})["ok"]
        bf.wait_for(lambda: len(jo.replies()) > before, WAIT, "the joined line in Teams")
        joined = jo.replies()[before]
        assert joined["text"] == "Alex Morgan from the Service Desk has joined the chat."
        [throttled] = bf.throttled
        assert throttled.conversation_id == jo.conversation
        delivered = next(s for s in bf.sent if s.activity.get("id") == joined["id"])
        assert delivered.at - throttled.at >= 2.0
        bf.wait_for(lambda: status(channel_card(bf, handoff_id)[1]).startswith("Taken by Alex Morgan"), WAIT)
        assert channel_card(bf, handoff_id)[0] == card_id  # updated in place, not posted again
        assert not of_type(channel_card(bf, handoff_id)[1], "Action.OpenUrl")

        # Jo typing in Teams is shown to the agent.
        assert jo.post(jo.activity(kind="typing")).status_code == 202
        assert alex.wait_for("typing", lambda t: True) == {"handoff_id": handoff_id, "who": "user"}

        # Both ways: the user's Teams messages reach the agent in order and not the bot.
        for n in range(1, 6):
            assert jo.post(jo.activity(f"teams line {n}")).status_code == 202
        alex.wait_for("message", lambda m: m["handoff_id"] == handoff_id and m["text"] == "teams line 5")
        assert [m["text"] for m in alex.messages(handoff_id) if m["sender"] == "user"] == [
            f"teams line {n}" for n in range(1, 6)
        ]
        sent = alex.call("send", {"handoff_id": handoff_id, "message_id": "t-1", "text": "Which laptop is it?"})
        assert sent["ok"]
        bf.wait_for(lambda: len(jo.replies()) > before + 1, WAIT, "the agent's line in Teams")
        assert [r.get("text") for r in jo.replies()[before:]] == [
            "Alex Morgan from the Service Desk has joined the chat.",
            "Alex Morgan (Service Desk): Which laptop is it?",
        ]

        # Close: the bot is back in Teams with the rating; the card says closed; the rating is kept.
        assert alex.call("close", {"handoff_id": handoff_id, "note": "Laptop swapped."})["ok"]
        bf.wait_for(lambda: askit(jo.replies()[-1]).get("flow") == "handoff_ended", WAIT, "the bot back in Teams")
        rated = jo.click(jo.replies()[-1], "4")
        assert askit(rated)["flow"] == "handoff_rated"
        assert store(live).get(handoff_id).csat == 4
        bf.wait_for(lambda: status(channel_card(bf, handoff_id)[1]).startswith("Closed at"), WAIT)
    finally:
        alex.close()


def test_a_chat_closed_while_the_widget_was_shut_is_said_to_have_ended_when_it_opens(live: Chat) -> None:
    alex = Agent(live, "alex", "Alex Morgan")
    try:
        assert alex.call("presence", {"state": "available"})["ok"]
        with user(live, "ada-king") as ada:
            handoff_id = ada.say("i need a human", flow("handoff_queued"))["custom"]["handoff_id"]
            assert alex.call("accept", {"handoff_id": handoff_id})["ok"]
            ada.wait_for(flow("handoff_started"))
        # Ada closed the tab; the agent closes the chat meanwhile.
        assert alex.call("close", {"handoff_id": handoff_id, "note": "Sorted on the phone."})["ok"]
        wait_until(lambda: store(live).get(handoff_id).user_notice is not None)
        with user(live, "ada-king") as again:
            ended = again.wait_for(flow("handoff_ended"))
            assert ended["custom"]["handoff_id"] == handoff_id and len(ended["quick_replies"]) == 5
        assert store(live).get(handoff_id).user_notice is None  # told once: not again on the next visit
    finally:
        alex.close()


def test_cancel_while_queued_offers_the_ticket(live: Chat) -> None:
    alex = Agent(live, "alex", "Alex Morgan")
    try:
        assert alex.call("presence", {"state": "available"})["ok"]
        with user(live, "kim-lee") as kim:
            handoff_id = kim.say("i need a human", flow("handoff_queued"))["custom"]["handoff_id"]
            offer = kim.say("cancel", flow("ticket_offer"))
            assert offer["custom"]["reason"] == "human" and "stopped waiting" in offer["text"]
            assert store(live).get(handoff_id).state == "cancelled"
            alex.wait_for("queue", lambda q: handoff_id not in [w["handoff_id"] for w in q["waiting"]])
            created = kim.say("yes", lambda m: bool(m.get("text")))  # the offer's yes starts the ticket
            assert (created.get("custom") or {}).get("flow") != "handoff_message"
    finally:
        alex.close()


def test_nobody_accepting_in_time_apologises_and_offers_the_ticket(live: Chat) -> None:
    alex = Agent(live, "alex", "Alex Morgan")  # available, but does not accept
    try:
        assert alex.call("presence", {"state": "available"})["ok"]
        with user(live, "lou-grant") as lou:
            handoff_id = lou.say("i need a human", flow("handoff_queued"))["custom"]["handoff_id"]
            lou.client.emit("user_uttered", {"message": "my screen is black"})
            offer = lou.wait_for(lambda m: custom_has("handoff_id", handoff_id)(m) and flow("ticket_offer")(m), 120)
            assert offer["custom"]["reason"] == "human" and offer["text"].startswith("Sorry, nobody")
            assert store(live).get(handoff_id).state == "timed_out"
            alex.wait_for("handoff", lambda h: h["handoff_id"] == handoff_id and h["state"] == "timed_out")
    finally:
        alex.close()


def test_out_of_hours_offers_the_ticket_and_queues_nothing(live: Chat) -> None:
    alex = Agent(live, "alex", "Alex Morgan")
    try:
        assert alex.call("presence", {"state": "available"})["ok"]
        with user(live, "ria-jones", tenant="riverside") as ria:
            offer = ria.say("i'd like to speak to a human", flow("ticket_offer"))
            assert offer["custom"]["reason"] == "human" and offer["custom"]["live_chat"] == "closed"
            assert "isn't taking live chats right now; it opens again on " in offer["text"]
            assert "at 09:00" in offer["text"]
            conversation = ria.client.call("session", {})["session_id"]
            assert store(live).open_for(conversation) is None
    finally:
        alex.close()


@pytest.mark.parametrize(
    "token",
    [
        mint("another-secret-" * 3, "alex", name="Alex", groups=["service-desk"], councils=["all"]),
        mint(AGENT_SECRET, "alex", name="Alex", groups=["service-desk"], councils=["all"], now=time.time() - 3600),
        mint(AGENT_SECRET, "alex", name="Alex", groups=["service-desk"], councils=["all"], lifetime=3600),
        None,
    ],
)
def test_forged_expired_or_long_tokens_are_refused(live: Chat, token: str | None) -> None:
    client = socketio.Client()
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(
            live.stack.rasa_url,
            socketio_path="/socket.io",
            transports=["websocket"],
            namespaces=["/agents"],
            auth={"token": token} if token else None,
            wait_timeout=10,
        )
    client.disconnect()


def wait_until(found: Callable[[], Any], seconds: float = WAIT) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = found()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"nothing after {seconds} s")


def test_the_stack_refuses_nothing_it_should_keep(tmp_path: Path) -> None:
    """handoff.yml as the stack reads it is valid (a quick check before the slow tests)."""
    from bot.handoff.settings import HandoffSettings

    path = tmp_path / "handoff.yml"
    path.write_text(HANDOFF_YML, encoding="utf-8")
    assert list(HandoffSettings.load(path).groups) == ["service-desk"]


def restart_rasa(chat: Chat) -> None:
    """Kill the Rasa server as a crash would, and let the supervisor start it again."""
    supervisor = chat.stack._supervisor
    assert supervisor is not None
    server = supervisor.servers[RASA_SERVER]
    assert server.proc is not None
    server.proc.kill()
    server.proc.wait()
    deadline = time.monotonic() + RASA_READY_TIMEOUT
    while time.monotonic() < deadline:
        chat.stack.supervise_once()
        if server.restart_at is None and server.ready_at is not None and server.proc.poll() is None:
            return
        time.sleep(0.5)
    raise AssertionError("the Rasa server did not come back")


def test_a_rasa_server_restart_mid_chat_loses_nothing(live: Chat) -> None:
    alex = Agent(live, "alex", "Alex Morgan")
    assert alex.call("presence", {"state": "available"})["ok"]
    sam = user(live, "dee-walsh")
    handoff_id = sam.say("i'd like to speak to a human", flow("handoff_queued"))["custom"]["handoff_id"]
    assert alex.call("accept", {"handoff_id": handoff_id})["ok"]
    sam.wait_for(flow("handoff_started"))
    conversation = store(live).get(handoff_id).conversation
    sam.client.disconnect()
    alex.close()

    restart_rasa(live)
    # While it was down, the console's message was stored but never sent: it reaches the user once.
    store(live).post(
        handoff_id,
        "a-blip",
        "agent",
        "Sorry, we had a blip.",
        now=time.time(),
        author_id="alex",
        author_name="Alex Morgan",
    )
    alex = Agent(live, "alex", "Alex Morgan")
    try:
        with user(live, "dee-walsh") as sam:
            blip = sam.wait_for(flow("handoff_message"))
            assert blip["text"] == "Alex Morgan (Service Desk): Sorry, we had a blip."
            # Still handed off after the restart: the user's words go to the person, not the bot.
            before = len(sam.received)
            sam.client.emit("user_uttered", {"message": "I forgot my password"})
            alex.wait_for("message", lambda m: m["handoff_id"] == handoff_id and m["text"] == "I forgot my password")
            assert alex.call("send", {"handoff_id": handoff_id, "message_id": "a-after", "text": "On it."})["ok"]
            assert sam.wait_for(flow("handoff_message"), start=before)["text"].endswith("On it.")
            assert sam.received[before:] == [sam.received[-1]]
            assert [m["custom"]["flow"] for m in sam.received].count("handoff_message") == 2  # the blip once
        texts = [m.text for m in store(live).messages(handoff_id)]
        assert texts.count("Sorry, we had a blip.") == 1 and texts.count("I forgot my password") == 1
        assert store(live).open_for(conversation) is not None
    finally:
        alex.close()
