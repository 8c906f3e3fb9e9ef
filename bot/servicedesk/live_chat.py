"""The ticket a finished live chat leaves with the desk: its summary, the transcript with the
agents' private notes, and the outcome, every line redacted (HandoffStore.transcript already is)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from bot.handoff.models import Handoff, Message
from bot.redaction import redact_typed_secrets
from bot.replies import clip
from bot.servicedesk.models import MAX_SUMMARY_CHARS, TicketRequest

CORRELATION_PREFIX = "handoff-"  # one ticket per handoff, however often the close is filed


def ticket_request(handoff: Handoff, transcript: Sequence[Message], category: str, priority: str) -> TicketRequest:
    summary = clip(redact_typed_secrets(f"Live chat: {handoff.summary}"), MAX_SUMMARY_CHARS)
    return TicketRequest(
        summary=summary,
        description=description(handoff, transcript),
        requester=handoff.requester,
        category=category,
        priority=priority,
        resolver_group=handoff.group,
        correlation_id=f"{CORRELATION_PREFIX}{handoff.id}",
    )


def description(handoff: Handoff, transcript: Sequence[Message]) -> str:
    who = handoff.agent_name or "nobody"
    lines = [
        f"A live chat with the service desk (handoff {handoff.id}), taken by {who}.",
        f"Outcome: {handoff.state.replace('_', ' ')} by {handoff.closed_by or 'nobody'}"
        + (f" ({handoff.close_reason})" if handoff.close_reason else "")
        + ".",
    ]
    if handoff.close_note:
        lines.append(f"Closing note: {redact_typed_secrets(handoff.close_note)}")
    lines += ["", "Transcript:"]
    for m in transcript:
        speaker = {"user": handoff.requester.name or "User", "note": f"{m.author_name} (private note)"}.get(
            m.sender, m.author_name or m.sender
        )
        at = dt.datetime.fromtimestamp(m.at, dt.timezone.utc).strftime("%H:%M:%S")
        lines.append(f"[{at}] {speaker}: {m.text}")
    return "\n".join(lines)
