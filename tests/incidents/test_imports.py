"""bot/incidents is read by the action server, the back office and the feeds' pollers: importing
it loads neither Rasa nor pydantic, nor the search engine or the service desks (but for
matching.py and desk_notes.py, which only the action server imports)."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import bot.incidents
from bot.paths import ROOT

FORBIDDEN = ("rasa", "rasa_sdk", "pydantic", "faiss", "torch", "sentence_transformers", "numpy", "psycopg")
HEAVY_PACKAGES = ("bot.knowledge", "bot.servicedesk", "bot.backoffice")


def test_the_incidents_package_loads_only_light_modules() -> None:
    # matching.py embeds messages (numpy, the knowledge engine) and desk_notes.py writes on the desk's
    # tickets (the adapters): the action server's alone
    modules = [
        f"bot.incidents.{m.name}"
        for m in pkgutil.iter_modules(bot.incidents.__path__)
        if m.name not in ("__main__", "matching", "desk_notes")
    ]
    code = "import importlib, sys\nfor m in sys.argv[1:]: importlib.import_module(m)\nprint('\\n'.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code, *modules], cwd=ROOT, capture_output=True, text=True, check=True)
    loaded = set(out.stdout.split())
    assert {"bot.incidents.store", "bot.incidents.cli"} <= loaded  # the check itself works
    assert sorted(m for m in loaded if m.split(".")[0] in FORBIDDEN or m.startswith(HEAVY_PACKAGES)) == []
