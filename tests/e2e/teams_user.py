"""A Teams user talking to the running bot through the fake Bot Framework (tests/channels/
fake_botframework.py): signed activities to the webhook, and what the bot posted back."""

from __future__ import annotations

from typing import Any

import requests

from tests.cards import of_type
from tests.channels.fake_botframework import FakeBotFramework
from tests.e2e.conftest import Chat


class Teams:
    """One Teams user talking to the running bot."""

    def __init__(self, chat: Chat, bf: FakeBotFramework, user: dict[str, Any], aad_tenant: str) -> None:
        self.chat, self.bf, self.user, self.aad_tenant = chat, bf, user, aad_tenant
        self.url = f"{chat.stack.rasa_url}/webhooks/teams/webhook"
        self.conversation = str(self.activity()["conversation"]["id"])

    def activity(self, text: str | None = None, **extra: Any) -> dict[str, Any]:
        return self.bf.activity(self.user, text, aad_tenant=self.aad_tenant, **extra)

    def replies(self) -> list[dict[str, Any]]:
        return self.bf.replies(self.conversation)

    def post(self, activity: dict[str, Any], token: str | None = None) -> requests.Response:
        headers = {"Authorization": f"Bearer {token or self.bf.token()}"}
        return requests.post(self.url, json=activity, headers=headers, timeout=30)

    def turn(self, activity: dict[str, Any]) -> dict[str, Any]:
        """Send an activity and return the one message the bot posts back to the connector."""
        before = len(self.replies())
        assert self.post(activity).status_code == 202
        self.bf.wait_for(lambda: len(self.replies()) > before, 60, "the bot's reply in Teams")
        return self.replies()[before]

    def say(self, text: str) -> dict[str, Any]:
        return self.turn(self.activity(text))

    def click(self, reply: dict[str, Any], title: str) -> dict[str, Any]:
        """Press a card's button or row as Teams sends it: the button's data as the activity's value,
        in reply to the card's activity. ``title`` is what the press says in the chat."""
        [action] = [a for a in submits(reply) if a["data"]["msteams"]["displayText"] == title]
        return self.turn(self.activity(value=action["data"], replyToId=reply["id"]))


def submits(node: Any) -> list[dict[str, Any]]:
    """Every button in a card that sends something to the bot, in order."""
    return of_type(node, "Action.Submit")


def askit(reply: dict[str, Any]) -> dict[str, Any]:
    custom: dict[str, Any] = reply.get("channelData", {}).get("askit", {})
    return custom
