"""Chat with a running AskIT in the terminal, through its REST channel (``make shell``).

Buttons are listed with numbers: type the number to press one. The REST channel answers without a
token only in development mode (``make run``); elsewhere set ``ASKIT_REST_TOKEN``. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.request
import uuid
from typing import Any

from bot.settings import REST_TOKEN_SETTING

DEFAULT_URL = f"http://127.0.0.1:{os.environ.get('RASA_PORT', '5005')}/webhooks/rest/webhook"
TIMEOUT = 60.0


def send(url: str, sender: str, text: str, token: str | None) -> list[dict[str, Any]]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body = json.dumps({"sender": sender, "message": text}).encode("utf-8")
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as reply:
            messages: list[dict[str, Any]] = json.loads(reply.read())
    except urllib.error.HTTPError as exc:
        messages = json.loads(exc.read() or b"[]") if exc.code == 429 else [{"text": f"(HTTP {exc.code})"}]
    return messages


def show(messages: list[dict[str, Any]]) -> list[str]:
    """Print the bot's messages; return the payloads of their buttons, in the order numbered."""
    payloads: list[str] = []
    for message in messages:
        if message.get("text"):
            print(f"AskIT: {message['text']}\n")
        for button in message.get("buttons") or []:
            payloads.append(str(button["payload"]))
            print(f"  [{len(payloads)}] {button['title']}")
    if payloads:
        print()
    return payloads


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.terminal_chat", description=__doc__)
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--sender", default=f"terminal-{uuid.uuid4().hex[:8]}")
    args = parser.parse_args(argv)
    token = os.environ.get(REST_TOKEN_SETTING) or None
    print(f"Talking to {args.url} as {args.sender}. Ctrl-D to leave.\n")
    payloads: list[str] = []
    for line in sys.stdin:
        text = line.strip()
        if text.isdigit() and 0 < int(text) <= len(payloads):
            text = payloads[int(text) - 1]
        try:
            payloads = show(send(args.url, args.sender, text, token))
        except (urllib.error.URLError, OSError) as exc:
            print(f"AskIT is not answering at {args.url} ({exc}): is 'make run' up?", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
