"""A conversation through the running bot raises a ticket in a real Request Tracker 5, and the bot
reads its status back from RT; and the outage drill (tests/e2e/outage_drill.py) with RT as the desk:
the affected named on RT's master ticket, no ticket but the ones insisted on, each linked."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.e2e.conftest import Chat, custom, running_chat
from tests.e2e.outage_drill import Drill, named_in
from tests.servicedesk.rt_instance import RTInstance

pytestmark = pytest.mark.own_stack  # starts servers of its own: the second end-to-end process

DOMAIN = "northbrook.example"  # development identity: <sender>@northbrook.example, tenant northbrook


@pytest.fixture(scope="module")
def rt_chat(request_tracker: RTInstance, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chat]:
    with running_chat(
        tmp_path_factory.mktemp("e2e-rt"),
        {
            "ASKIT_SERVICE_DESK": "rt",
            "ASKIT_RT_URL": request_tracker.url,
            "ASKIT_RT_TOKEN": request_tracker.token,
            "ASKIT_DEV_EMAIL_DOMAIN": DOMAIN,
        },
    ) as chat:
        yield chat


def test_a_conversation_raises_an_rt_ticket_and_reads_its_status(rt_chat: Chat, request_tracker: RTInstance) -> None:
    user = f"carol{uuid.uuid4().hex[:8]}"
    assert custom(rt_chat.say(user, "the vpn won't connect from home"))["article_id"] == "vpn-connect"
    rt_chat.say(user, "it still doesn't work")
    rt_chat.say(user, "yes")
    assert custom(rt_chat.say(user, "yes"))["step"] == "error_text"
    assert custom(rt_chat.say(user, "Council Connect says the server is unreachable"))["step"] == "asset_tag"
    created = custom(rt_chat.say(user, "AT-40921"))
    assert created["flow"] == "ticket_created" and created["ticket_ref"].startswith("RT-")
    number = created["ticket_ref"].removeprefix("RT-")

    ticket = request_tracker.get(f"ticket/{number}")
    queue = request_tracker.get(f"queue/{ticket['Queue']['id']}")
    assert queue["Name"] == "network"
    assert [r["id"] for r in ticket["Requestor"]] == [f"{user}@{DOMAIN}"]
    assert ticket["Subject"] == "the vpn won't connect from home"
    content = request_tracker.messages(number)
    said = (
        "User: the vpn won't connect from home",
        "User: it still doesn't work",
        "the user said it did not help",
        "- Asset number: AT-40921\n- Error message: Council Connect says the server is unreachable",
    )
    assert all(line in content for line in said), content

    status = custom(rt_chat.say(user, f"what's happening with my ticket {created['ticket_ref']}?"))
    assert status == {"flow": "ticket_status", "tickets": [created["ticket_ref"]], "ticket_ref": created["ticket_ref"]}
    listed = rt_chat.say(user, "show my open tickets")
    assert custom(listed)["tickets"] == [created["ticket_ref"]] and "new" in listed[0]["text"]
    assert custom(rt_chat.say(f"mallory{uuid.uuid4().hex[:6]}", f"status of {created['ticket_ref']}"))["tickets"] == []


PRIORITY = {100: "P1", 75: "P2", 50: "P3", 25: "P4"}  # bot/servicedesk/rt.py's, read back


class RTDesk:
    def __init__(self, rt: RTInstance) -> None:
        self.rt = rt

    def named_on(self, master: str) -> list[str]:
        return named_in(self.rt.messages(master.removeprefix("RT-")))

    def tickets_after(self, master: str) -> list[tuple[str, str]]:
        found = self.rt.get("tickets", query=f"id > {master.removeprefix('RT-')}", per_page="200")["items"]
        tickets = [self.rt.get(f"ticket/{t['id']}") for t in found]
        return [(PRIORITY[int(t["Priority"])], self.rt.messages(str(t["id"]))) for t in tickets]


def test_the_outage_drill_with_request_tracker(rt_chat: Chat, request_tracker: RTInstance) -> None:
    drill = Drill(rt_chat, RTDesk(request_tracker), affected="northbrook", other="riverside")
    drill.run()
    print(f"drill (Request Tracker): {drill.measured()}")
