"""The ticket a closed live chat leaves: its transcript with notes, the outcome and the closing note,
redacted, once per handoff (its correlation id)."""

from __future__ import annotations

from pathlib import Path

from bot.handoff.store import HandoffStore
from bot.servicedesk.live_chat import ticket_request
from tests.handoff.common import MINUTE, SAM, T0, taken


def test_the_ticket_holds_the_whole_chat_redacted(tmp_path: Path) -> None:
    store = HandoffStore.open(tmp_path / "backoffice.sqlite")
    handoff = taken(store, "alex")
    store.post(handoff.id, "u1", "user", "my password is Hunter2!Secret", now=T0 + MINUTE)
    store.post(
        handoff.id,
        "a1",
        "agent",
        "Your temporary password is Tmp-4471!",
        now=T0 + 2 * MINUTE,
        author_id="alex",
        author_name="Alex",
    )
    store.post(handoff.id, "n1", "note", "Reset in AD", now=T0 + 3 * MINUTE, author_id="alex", author_name="Alex")
    closed = store.close(handoff.id, "alex", now=T0 + 4 * MINUTE, reason="closed by the agent", note="Sorted")
    request = ticket_request(closed, store.transcript(handoff.id, notes=True), "access", "P4")
    assert request.summary == "Live chat: My laptop will not start"
    assert request.correlation_id == f"handoff-{handoff.id}" and request.resolver_group == "service-desk"
    assert request.requester == SAM
    text = request.description
    assert "Outcome: closed by alex (closed by the agent)." in text and "Closing note: Sorted" in text
    assert "Alex (private note): Reset in AD" in text
    assert "Hunter2" not in text and "Tmp-4471" not in text
    lines = text.splitlines()
    assert lines.index(next(x for x in lines if "Sam Patel:" in x)) < lines.index(
        next(x for x in lines if "Alex:" in x)
    )
