"""bot/handoff runs in the Rasa server (Python 3.10, pydantic 1) and is read by the back office
(3.11, pydantic 2): importing it loads neither Rasa nor pydantic, nor the service desks or the
search engine. Run in both environments (Makefile: RASA_ENV_TESTS)."""

from __future__ import annotations

import subprocess
import sys

from bot.paths import ROOT

MODULES = [
    "bot.handoff",
    "bot.handoff.agent_token",
    "bot.handoff.environment",
    "bot.handoff.errors",
    "bot.handoff.hours",
    "bot.handoff.models",
    "bot.handoff.offer",
    "bot.handoff.queue",
    "bot.handoff.settings",
    "bot.handoff.store",
    "bot.handoff.tables",
    "bot.handoff.timeouts",
]
FORBIDDEN = {"rasa", "rasa_sdk", "pydantic", "faiss", "torch", "sentence_transformers", "numpy", "psycopg"}


def test_the_handoff_package_loads_only_light_modules() -> None:
    code = "import importlib, sys\nfor m in sys.argv[1:]: importlib.import_module(m)\nprint('\\n'.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code, *MODULES], cwd=ROOT, capture_output=True, text=True, check=True)
    loaded = set(out.stdout.split())
    assert set(MODULES) <= loaded  # the check itself works
    assert sorted(m for m in loaded if m.split(".")[0] in FORBIDDEN) == []
    assert sorted(m for m in loaded if m.startswith(("bot.servicedesk", "bot.knowledge", "bot.backoffice"))) == []
