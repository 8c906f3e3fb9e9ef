"""Both real servers keep what they loaded at start (Rasa's model; the encoder and the index) out
of Python's full garbage collections (bot/gc_freeze.py), and still answer."""

from __future__ import annotations

import re

from tests.e2e.conftest import Chat, custom

FROZE = re.compile(r"started: (\d+) objects kept out of full garbage collections")


def test_each_server_froze_what_it_loaded_and_still_answers(chat: Chat) -> None:
    assert chat.stack.log_dir is not None
    for server in ("rasa server", "action server"):
        log = (chat.stack.log_dir / f"{server}.log").read_text(errors="replace")
        frozen = [int(n) for n in FROZE.findall(log)]
        assert len(frozen) == 1 and frozen[0] > 100_000, (server, frozen)  # the model is in it, once
    assert custom(chat.say("gc-freeze-check", "I forgot my password"))["article_id"] == "password-reset"
