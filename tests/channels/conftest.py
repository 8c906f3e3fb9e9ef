"""Every channel seals the identities it verifies with the key the launcher shares with the actions."""

from __future__ import annotations

import pytest

from bot.identity import SEAL_KEY_SETTING

TEST_SEAL_KEY = "channel-tests-" + "k" * 32


@pytest.fixture(autouse=True)
def identity_seal_key(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(SEAL_KEY_SETTING, TEST_SEAL_KEY)
    return TEST_SEAL_KEY
