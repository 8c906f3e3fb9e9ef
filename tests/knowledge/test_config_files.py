"""Every field of every file in knowledge_base/ that the action server reads (tenants.yml,
routing.yml, search.yml and the thresholds file it names), set to a bad value, stops the start
with one line naming the file and the field (issue 11, section 3; the environment's settings are
in tests/test_configuration.py). The rows must cover every declared field."""

from __future__ import annotations

import copy
import itertools
from pathlib import Path

import pytest
import yaml

from bot.identity import TENANT_FIELDS, TENANTS_FIELDS
from bot.knowledge import config as knowledge
from bot.paths import KNOWLEDGE_BASE_DIR, SEARCH_CONFIG, TENANTS_CONFIG
from bot.servicedesk.triage import RoutingFile, RuleEntry, TenantEntry
from tests.test_configuration import start

MISSING = object()
BASES = {
    "tenants.yml": yaml.safe_load(TENANTS_CONFIG.read_text()),
    "routing.yml": yaml.safe_load((KNOWLEDGE_BASE_DIR / "routing.yml").read_text()),
    "search.yml": yaml.safe_load(SEARCH_CONFIG.read_text()),
    "thresholds.yml": {"thresholds": {"answer": 0.6, "clarify": 0.4, "margin": 0.05}},
}
# Rows: the file, the field set to a bad value (MISSING: taken out), and what follows "<file>: ".
FILE_ROWS: list[tuple[str, str, object, str]] = [
    ("tenants.yml", "tenants", ["riverside"], "tenants: must be a mapping of tenant ids to tenants, got ['riverside']"),
    (
        "tenants.yml",
        "tenants.River Side",
        {},
        "tenants: must be a tenant id (lower-case letters, digits, - and _), got 'River Side'",
    ),
    (
        "tenants.yml",
        "tenants.riverside.name",
        ["Riverside"],
        "tenants.riverside.name: must be one line of text, got ['Riverside']",
    ),
    (
        "tenants.yml",
        "tenants.riverside.email_domains",
        ["x y"],
        "tenants.riverside.email_domains[0]: must be a domain name, got 'x y'",
    ),
    (
        "tenants.yml",
        "tenants.riverside.email_domains",
        "riverside.example",
        "tenants.riverside.email_domains: must be a list, each a domain name, got 'riverside.example'",
    ),
    (
        "tenants.yml",
        "tenants.riverside.email_domains",
        ["northbrook.example"],
        "tenants.riverside.email_domains[0]: northbrook.example is already listed for northbrook",
    ),
    (
        "tenants.yml",
        "tenants.riverside.azure_tenant_ids",
        ["riverside"],
        "tenants.riverside.azure_tenant_ids[0]: must be a GUID, got 'riverside'",
    ),
    (
        "tenants.yml",
        "tenants.riverside.domains",
        ["riverside.example"],
        "tenants.riverside.domains: is not a known field (known: azure_tenant_ids, email_domains, name)",
    ),
    ("routing.yml", "default_group", "", "default_group: must be a name (one line of text), got ''"),
    (
        "routing.yml",
        "major_incident_group",
        ["major"],
        "major_incident_group: must be a name (one line of text), got ['major']",
    ),
    ("routing.yml", "rules", {"vpn": "network"}, "rules: must be a list, got {'vpn': 'network'}"),
    (
        "routing.yml",
        "rules.0.keywords",
        MISSING,
        "rules[0].keywords: is missing (the words that pick the rule, a list)",
    ),
    ("routing.yml", "rules.0.keywords", [], "rules[0].keywords: must not be empty, got []"),
    ("routing.yml", "rules.1.group", MISSING, "rules[1].group: is missing (the resolver group the rule gives)"),
    ("routing.yml", "rules.2.category", 7, "rules[2].category: must be a name (one line of text), got 7"),
    ("routing.yml", "rules.2.groups", "email", "rules[2].groups: is not a known field"),
    ("routing.yml", "tenants", ["riverside"], "tenants: must be a mapping, got ['riverside']"),
    (
        "routing.yml",
        "tenants.riverside.rules",
        [{"keywords": ["civica"]}],
        "tenants.riverside.rules[0].group: is missing (the resolver group the rule gives)",
    ),
    (
        "routing.yml",
        "tenants.riverside.groups",
        {"applications": ""},
        "tenants.riverside.groups.applications: must be a name (one line of text), got ''",
    ),
    (
        "routing.yml",
        "tenants.southmere.categories",
        ["printing"],
        "tenants.southmere.categories: must be a mapping, got ['printing']",
    ),
    (
        "search.yml",
        "thresholds_file",
        "none.yml",
        "thresholds_file: must name an existing file, relative to this one, got 'none.yml'",
    ),
    ("search.yml", "index", 50000, "index: must be a mapping, got 50000"),
    (
        "search.yml",
        "index.approximate_above",
        "many",
        "index.approximate_above: must be a whole number of vectors, 1 or more, got 'many'",
    ),
    (
        "search.yml",
        "index.hnsw_neighbours",
        0,
        "index.hnsw_neighbours: must be a whole number of links, 1 or more, got 0",
    ),
    (
        "search.yml",
        "index.hnsw_search_depth",
        MISSING,
        "index.hnsw_search_depth: is missing (HNSW efSearch: candidates per query)",
    ),
    ("search.yml", "validation", MISSING, "validation: is missing (near_duplicate)"),
    (
        "search.yml",
        "validation.near_duplicate",
        1.5,
        "validation.near_duplicate: must be a number from 0 to 1, got 1.5",
    ),
    ("search.yml", "watch", [1.0], "watch: must be a mapping, got [1.0]"),
    ("search.yml", "watch.poll_seconds", "often", "watch.poll_seconds: must be a number of seconds, got 'often'"),
    ("search.yml", "fusion", "bm25", "fusion: must be a mapping, got 'bm25'"),
    ("search.yml", "fusion.lexical_weight", True, "fusion.lexical_weight: must be a number, 0 or more, got True"),
    ("search.yml", "fusion.classifier_weight", 1.5, "fusion.classifier_weight: must be a number from 0 to 1, got 1.5"),
    ("thresholds.yml", "thresholds", MISSING, "thresholds: is missing (answer, clarify, margin)"),
    ("thresholds.yml", "thresholds.answer", "high", "thresholds.answer: must be a number from 0 to 1, got 'high'"),
    (
        "thresholds.yml",
        "thresholds.clarify",
        0.7,
        "thresholds.clarify: must be at most thresholds.answer (0.6), got 0.7",
    ),
    ("thresholds.yml", "thresholds.margin", -0.1, "thresholds.margin: must be a number from 0 to 1, got -0.1"),
]
FILE_SETTINGS = {
    "tenants.yml": "ASKIT_TENANTS_CONFIG",
    "routing.yml": "ASKIT_ROUTING_FILE",
    "search.yml": "ASKIT_SEARCH_CONFIG",
}


def write_files(tmp_path: Path, file: str, data: object) -> dict[str, str]:
    """``data`` as ``file`` in tmp_path (with the files it goes with), and the settings that name it."""
    (tmp_path / "search.yml").write_text(yaml.safe_dump(BASES["search.yml"]))
    (tmp_path / "thresholds.yml").write_text(yaml.safe_dump(BASES["thresholds.yml"]))
    (tmp_path / file).write_text(data if isinstance(data, str) else yaml.safe_dump(data))
    return {"ASKIT_SEARCH_CONFIG": str(tmp_path / "search.yml")} | {FILE_SETTINGS.get(file, "-"): str(tmp_path / file)}


def changed(file: str, field: str, value: object) -> object:
    data = copy.deepcopy(BASES[file])
    *parents, last = [int(p) if p.isdigit() else p for p in field.split(".")]
    inner = data
    for key in parents:
        inner = inner[key]
    if value is MISSING:
        del inner[last]
    else:
        inner[last] = value
    return data


@pytest.mark.parametrize("file,field,value,expected", FILE_ROWS)
def test_a_bad_field_stops_the_start_naming_the_file_and_the_field(
    tmp_path: Path, file: str, field: str, value: object, expected: str
) -> None:
    assert start(tmp_path, write_files(tmp_path, file, changed(file, field, value))) == f"{tmp_path / file}: {expected}"


@pytest.mark.parametrize("file", sorted(BASES))
def test_a_file_that_is_not_yaml_is_named(tmp_path: Path, file: str) -> None:
    message = start(tmp_path, write_files(tmp_path, file, "a: [\n"))
    problem = "cannot be read: not YAML at line 2, column 1: expected the node content, but found '<stream end>'"
    assert message == f"{tmp_path / file}: {problem}"


def test_the_file_rows_cover_every_declared_field() -> None:
    declared = {
        "tenants.yml": {f.key for f in (*TENANTS_FIELDS, *TENANT_FIELDS)},
        "routing.yml": {*RoutingFile.model_fields, *TenantEntry.model_fields, *RuleEntry.model_fields},
        "search.yml": {f.key for f in (*knowledge.SEARCH_FIELDS, *itertools.chain(*knowledge.BLOCK_FIELDS.values()))},
        "thresholds.yml": {f.key for f in (*knowledge.THRESHOLDS_FIELDS, *knowledge.THRESHOLD_FIELDS)},
    }
    for file, fields in declared.items():
        named = {field.split(".")[-1] for f, field, _, _ in FILE_ROWS if f == file}
        assert fields <= named, f"{file}: no row for {sorted(fields - named)}"
