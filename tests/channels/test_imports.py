"""The Rasa server loads only what it uses (issue 11): importing the channels, the identity seal
and the tracker store must not load the service desks (eight adapters, the outbox, SQLite and
PostgreSQL drivers) nor the search engine (FAISS, numpy, a model). Of the knowledge base, only the
light modules that own the index layout and the article-id grammar may come along."""

from __future__ import annotations

import subprocess
import sys

from bot.paths import ROOT

RASA_SIDE = [
    "bot.channels.rest",
    "bot.channels.teams",
    "bot.channels.webchat",
    "bot.channels.widget_auth",
    "bot.channels.welcome",
    "bot.studio.starters",  # the starter topics, which the back office's studio page saves
    "bot.identity",
    "bot.tracker_store",
    "bot.event_broker",
    "bot.rasa_server",
    "bot.nlu.rule_intents",
]
# The build layout, the article-id grammar, and what they read and raise (with the facets vocabulary
# articles are checked against): standard library and yaml.
LIGHT_KNOWLEDGE = {
    "bot.knowledge",
    "bot.knowledge.layout",
    "bot.knowledge.ids",
    "bot.knowledge.articles",
    "bot.knowledge.errors",
    "bot.knowledge.facets",
}
HEAVY = {"faiss", "torch", "sentence_transformers"}
BACK_OFFICE = {"starlette", "authlib", "uvicorn", "jinja2"}  # the back office's web stack: not in .venv-rasa


def loaded_after_importing(modules: list[str]) -> set[str]:
    code = "import importlib, sys\nfor m in sys.argv[1:]: importlib.import_module(m)\nprint('\\n'.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code, *modules], cwd=ROOT, capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_the_rasa_side_loads_no_desk_and_no_search_engine() -> None:
    loaded = loaded_after_importing(RASA_SIDE)
    assert set(RASA_SIDE) <= loaded  # the check itself works
    assert sorted(m for m in loaded if m.startswith("bot.servicedesk")) == []
    assert {m for m in loaded if m.startswith("bot.knowledge")} <= LIGHT_KNOWLEDGE
    assert sorted(m for m in loaded if m.split(".")[0] in HEAVY) == []
    assert sorted(m for m in loaded if m.split(".")[0] in BACK_OFFICE or m.startswith("bot.backoffice")) == []
