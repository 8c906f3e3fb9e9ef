"""The launcher's Stack, without starting anything (tests/e2e/test_launcher.py starts it for real)."""

from __future__ import annotations

from bot.launcher import Stack


def test_a_stack_never_shows_its_secrets() -> None:
    # A failed start prints the Stack in pytest's traceback: CI once showed a desk token that way.
    stack = Stack(api_token="api-token-value", extra_env={"ASKIT_RT_TOKEN": "desk-token-value"})
    shown = repr(stack)
    assert "api-token-value" not in shown and "desk-token-value" not in shown
    assert "rasa_port=5005" in shown
