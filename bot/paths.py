"""Where the project keeps its files; every default path is derived from here."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE_BASE_DIR = ROOT / "knowledge_base"
ARTICLES_DIR = KNOWLEDGE_BASE_DIR / "articles"
INDEX_DIR = KNOWLEDGE_BASE_DIR / "index"
SEARCH_CONFIG = KNOWLEDGE_BASE_DIR / "search.yml"
VAR_DIR = ROOT / "var"
TENANTS_CONFIG = KNOWLEDGE_BASE_DIR / "tenants.yml"
WEB_DIR = ROOT / "bot" / "web"  # the pages' and the widget's static files
DEV_QUESTIONS = ROOT / "benchmarks" / "data" / "kb-questions-dev.jsonl"  # labelled: the thresholds are chosen on it
