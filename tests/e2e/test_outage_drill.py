"""The outage drill (tests/e2e/outage_drill.py) with the built-in local desk: 200 staff of two
councils ask in their own words, 150 are named on the master ticket with no new ticket but the 50
they insisted on (linked, not P1), and every subscriber hears of the resolution exactly once.
Request Tracker's run of the same drill is in test_request_tracker.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.servicedesk.local import LocalServiceDesk
from tests.e2e.conftest import Chat, running_chat
from tests.e2e.outage_drill import Drill, named_in

pytestmark = pytest.mark.own_stack  # its REST users are Riverside's staff: a stack of its own


class LocalDesk:
    def __init__(self, chat: Chat) -> None:
        self.desk = LocalServiceDesk(chat.desk_db)

    def named_on(self, master: str) -> list[str]:
        [ticket] = [t for t in self.desk.all_tickets() if t["ref"] == master]
        return [email for c in ticket["comments"] for email in named_in(c["body"])]

    def tickets_after(self, master: str) -> list[tuple[str, str]]:
        tickets = self.desk.all_tickets()
        after = [t["ref"] for t in tickets].index(master) + 1
        return [(t["priority"], t["description"]) for t in tickets[after:]]


@pytest.fixture(scope="module")
def riverside_chat(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chat]:
    with running_chat(tmp_path_factory.mktemp("e2e-drill"), {"ASKIT_DEV_EMAIL_DOMAIN": "riverside.example"}) as chat:
        yield chat


def test_the_outage_drill_with_the_local_desk(riverside_chat: Chat) -> None:
    drill = Drill(riverside_chat, LocalDesk(riverside_chat), affected="riverside", other="northbrook")
    drill.run()
    print(f"drill (local desk): {drill.measured()}")
