"""A bad value in every declared setting and every field of every configuration file stops the
action server's start with one line naming the variable or the file, the field, and what is wrong
(issue 11, section 3). Desk rows are made from the adapters' declarations, and every table must
cover every declaration, so a setting added later cannot be forgotten here.

Each row goes through ``Services.from_env``, what ``python -m bot.action_server`` runs first; it
checks every setting and file before the index and the model load, so a row costs milliseconds.
The widget's settings (Rasa environment) are in tests/channels/test_configuration.py.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot import contacts
from bot.config import ConfigurationError, Setting
from bot.identity import TENANT_FIELDS, TENANTS_FIELDS, IdentitySealError
from bot.incidents import matching as incident_matching
from bot.incidents.feeds import config as feeds
from bot.knowledge import KnowledgeError
from bot.knowledge import config as knowledge
from bot.paths import ROOT, SEARCH_CONFIG
from bot.servicedesk import ServiceDeskError, registry
from bot.servicedesk.http import DESK_TIMEOUT
from bot.servicedesk.triage import RoutingFile, RuleEntry, TenantEntry
from bot.servicedesk.worker import RETRY_SETTINGS
from bot.services import SETTINGS as SERVICE_SETTINGS
from bot.services import Services

# Per kind of value (its description): a good value, a bad one, and what follows "<VARIABLE>: ".
KINDS: dict[str, tuple[str, str, str]] = {
    "an http(s) URL": ("https://desk.example", "desk.example", "must be an http(s) URL, got 'desk.example'"),
    "an e-mail address": ("askit@northbrook.example", "askit", "must be an e-mail address, got 'askit'"),
    "a token without spaces or control characters": (
        "t0ken-value",
        "two words",
        "is not valid (must be a token without spaces or control characters)",
    ),
    "a password without control characters": (
        "pass word",
        "a\tb",
        "is not valid (must be a password without control characters)",
    ),
    "a JSON object of names to names": (
        '{"network": "Net"}',
        '{"network": [1]}',
        """must be a JSON object of names to names, got '{"network": [1]}'""",
    ),
    "a JSON object of names to numeric ids": (
        '{"network": 21}',
        '{"network": "Net"}',
        """must be a JSON object of names to numeric ids, got '{"network": "Net"}'""",
    ),
    "a numeric id": ("4", "four", "must be a numeric id, got 'four'"),
    "a project key such as ITS": ("ITS", "its", "must be a project key such as ITS, got 'its'"),
    "an instance name (letters, digits, - and _)": (
        "northbrook",
        "north brook",
        "must be an instance name (letters, digits, - and _), got 'north brook'",
    ),
    "a user name without ':' or control characters": (
        "askit.integration",
        "askit:x",
        "must be a user name without ':' or control characters, got 'askit:x'",
    ),
    "one of email, id": ("id", "upn", "must be one of email, id, got 'upn'"),
    "0 or 1": ("0", "no", "must be 0 or 1, got 'no'"),
    "a number of seconds above 0": ("2.5", "0", "must be more than 0 seconds, got '0'"),
    "a file path (not a directory)": (
        "{tmp}/desk.sqlite",
        "{tmp}",
        "must be a file path (not a directory), got '{tmp}'",
    ),
}
# Rows: the variables to set, and the line that must stop the start (after "action server cannot start: ").
SETTING_ROWS: list[tuple[dict[str, str], str]] = [
    (
        {"ASKIT_SERVICE_DESK": "nodesk"},
        "ASKIT_SERVICE_DESK: must be a known service desk: "
        "freshservice, hornbill, jira_sm, local, rt, servicenow, webhook, zendesk, got 'nodesk'",
    ),
    (
        {"ASKIT_OUTBOX_DB": "mysql://askit:pw@db/askit"},
        "ASKIT_OUTBOX_DB: must be a SQLite file path or a postgresql:// URL (this is a mysql:// URL)",
    ),
    (
        {"ASKIT_OUTBOX_DB": "{tmp}"},
        "ASKIT_OUTBOX_DB: must be a SQLite file path or a postgresql:// URL (this is a directory)",
    ),
    ({"ASKIT_OUTBOX_LEASE": "a minute"}, "ASKIT_OUTBOX_LEASE: must be a number of seconds, got 'a minute'"),
    ({"ASKIT_OUTBOX_BACKOFF_BASE": "soon"}, "ASKIT_OUTBOX_BACKOFF_BASE: must be a number of seconds, got 'soon'"),
    ({"ASKIT_OUTBOX_BACKOFF_CAP": "-1"}, "ASKIT_OUTBOX_BACKOFF_CAP: must be a number of seconds, got '-1'"),
    (
        {"ASKIT_OUTBOX_MAX_ATTEMPTS": "2.5"},
        "ASKIT_OUTBOX_MAX_ATTEMPTS: must be a whole number of attempts, 1 or more, got '2.5'",
    ),
    ({"ASKIT_OUTBOX_POLL": "0"}, "ASKIT_OUTBOX_POLL: must be more than 0 seconds, got '0'"),
    ({"ASKIT_TICKET_WAIT": "inf"}, "ASKIT_TICKET_WAIT: must be a number of seconds, got 'inf'"),
    ({"ASKIT_ACTION_THREADS": "0"}, "ASKIT_ACTION_THREADS: must be a whole number of threads, 1 or more, got '0'"),
    ({"ASKIT_ROUTING_FILE": "{tmp}/none.yml"}, "ASKIT_ROUTING_FILE: must be an existing file, got '{tmp}/none.yml'"),
    ({"ASKIT_CONTACTS_FILE": "{tmp}/none.yml"}, "ASKIT_CONTACTS_FILE: must be an existing file, got '{tmp}/none.yml'"),
    (
        {"ASKIT_INCIDENTS_FILE": "{tmp}/none.yml"},
        "ASKIT_INCIDENTS_FILE: must be an existing file, got '{tmp}/none.yml'",
    ),
    ({"ASKIT_OUTBOX_WORKER": "yes"}, "ASKIT_OUTBOX_WORKER: must be 0 or 1, got 'yes'"),
    ({"ASKIT_WATCH_ARTICLES": "off"}, "ASKIT_WATCH_ARTICLES: must be 0 or 1, got 'off'"),
    ({"ASKIT_SEARCH_CONFIG": "{tmp}/none.yml"}, "ASKIT_SEARCH_CONFIG: must be an existing file, got '{tmp}/none.yml'"),
    ({"ASKIT_TENANTS_CONFIG": "{tmp}"}, "ASKIT_TENANTS_CONFIG: must be an existing file, got '{tmp}'"),
    ({"ASKIT_ARTICLES_DIR": str(SEARCH_CONFIG)}, f"ASKIT_ARTICLES_DIR: must be a directory, got '{SEARCH_CONFIG}'"),
    ({"ASKIT_INDEX_DIR": str(SEARCH_CONFIG)}, f"ASKIT_INDEX_DIR: must be a directory, got '{SEARCH_CONFIG}'"),
]

# What no single setting says: the desks that take one of two ways to sign in.
CROSS_ROWS: list[tuple[str, dict[str, str], str]] = [
    (
        "jira_sm",
        {"ASKIT_JIRA_EMAIL": "", "ASKIT_JIRA_PAT": ""},
        "ASKIT_JIRA_EMAIL and ASKIT_JIRA_API_TOKEN (or ASKIT_JIRA_PAT) are not set",
    ),
    ("jira_sm", {"ASKIT_JIRA_API_TOKEN": ""}, "ASKIT_JIRA_API_TOKEN: is not set (the API token of ASKIT_JIRA_EMAIL)"),
    (
        "servicenow",
        {"ASKIT_SERVICENOW_TOKEN": "", "ASKIT_SERVICENOW_USER": ""},
        "ASKIT_SERVICENOW_TOKEN (or ASKIT_SERVICENOW_USER and ASKIT_SERVICENOW_PASSWORD) is not set",
    ),
    (
        "servicenow",
        {"ASKIT_SERVICENOW_TOKEN": "", "ASKIT_SERVICENOW_PASSWORD": ""},
        "ASKIT_SERVICENOW_PASSWORD: is not set (the password of ASKIT_SERVICENOW_USER)",
    ),
]


def desk_env(desk: str) -> dict[str, str]:
    """Every setting ``desk`` declares, set to a good value."""
    return {"ASKIT_SERVICE_DESK": desk} | {s.name: KINDS[s.kind.describe][0] for s in registry.ADAPTERS[desk].settings}


def desk_rows() -> list[tuple[dict[str, str], str]]:
    """For every setting of every desk, a bad value; for every required one, also none."""
    rows = [(desk_env(desk) | change, expected) for desk, change, expected in CROSS_ROWS]
    for desk, adapter in sorted(registry.ADAPTERS.items()):
        for s in adapter.settings:
            _, bad, problem = KINDS[s.kind.describe]
            rows.append((desk_env(desk) | {s.name: bad}, f"{s.name}: {problem}"))
            if s.required:
                rows.append((desk_env(desk) | {s.name: ""}, f"{s.name}: is not set ({s.help})"))
    return rows


def start(tmp_path: Path, change: dict[str, str]) -> str:
    """The one line the action server would stop with, given ``change``; fails if it would start."""
    env = {
        "ASKIT_IDENTITY_KEY": "k" * 40,
        "ASKIT_LOCAL_DESK_DB": str(tmp_path / "desk.sqlite"),
        "ASKIT_OUTBOX_DB": str(tmp_path / "outbox.sqlite"),
        "ASKIT_OUTBOX_WORKER": "0",
        "ASKIT_WATCH_ARTICLES": "0",
    }
    env |= {name: value.replace("{tmp}", str(tmp_path)) for name, value in change.items()}
    with pytest.raises((ConfigurationError, KnowledgeError, ServiceDeskError, IdentitySealError)) as raised:
        Services.from_env(env)
    message = str(raised.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize("change,expected", SETTING_ROWS + desk_rows())
def test_a_bad_setting_stops_the_start_naming_it(tmp_path: Path, change: dict[str, str], expected: str) -> None:
    message = start(tmp_path, change)
    assert message == expected.replace("{tmp}", str(tmp_path))
    secrets = {s.name for s in declared_settings() if s.secret}
    assert all(value not in message for name, value in change.items() if name in secrets and value)
    assert "askit:pw" not in message  # nor the password in a database URL


def test_the_good_values_of_every_desk_are_accepted(tmp_path: Path) -> None:
    for desk in registry.ADAPTERS:
        env = {k: v.replace("{tmp}", str(tmp_path)) for k, v in desk_env(desk).items()}
        assert registry.create_service_desk(env).name == desk


def declared_settings() -> list[Setting]:
    adapters = [s for adapter in registry.ADAPTERS.values() for s in adapter.settings]
    return [*registry.SETTINGS, *RETRY_SETTINGS, *SERVICE_SETTINGS, *knowledge.SETTINGS, *adapters]


def test_the_tables_cover_every_declared_setting() -> None:
    rows = SETTING_ROWS + desk_rows()
    covered = {name for change, expected in rows for name in change if expected.startswith(f"{name}:")}
    assert covered == {s.name for s in declared_settings()}


def test_the_action_server_stops_before_listening_with_one_line(tmp_path: Path) -> None:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "HF_HUB_OFFLINE": "1",
        "ASKIT_ACTION_TOKEN": "t" * 32,
        "ASKIT_IDENTITY_KEY": "k" * 40,
        "ASKIT_OUTBOX_DB": str(tmp_path / "outbox.sqlite"),
        "ASKIT_TICKET_WAIT": "soon",
    }
    started = time.monotonic()
    run = subprocess.run(
        [sys.executable, "-m", "bot.action_server", "--port", "5999"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    print(f"the action server refused to start in {time.monotonic() - started:.1f} s")
    assert run.returncode == 2
    assert run.stderr == "action server cannot start: ASKIT_TICKET_WAIT: must be a number of seconds, got 'soon'\n"
    assert run.stdout == ""
    assert not (tmp_path / "outbox.sqlite").exists()  # it stopped before it opened anything


def documented_rows() -> list[str]:
    """docs/configuration.md's rows for the environment, as the declarations make them."""
    from bot.channels import settings as channel_settings
    from bot.channels import widget_config
    from bot.handoff import environment as live_chat

    adapters = [s for _, a in sorted(registry.ADAPTERS.items()) for s in a.settings if s is not DESK_TIMEOUT]
    declared = [*registry.SETTINGS, DESK_TIMEOUT, *RETRY_SETTINGS, *SERVICE_SETTINGS, *feeds.SETTINGS]
    declared += [*knowledge.SETTINGS, *adapters]
    rows = []
    for s in [*declared, *channel_settings.SETTINGS, *widget_config.SETTINGS, *live_chat.SETTINGS]:
        need = ("required" if s.required else "optional") + (", secret" if s.secret else "")
        default = f"`{s.shown_default}`" if s.shown_default else ""
        rows.append(f"| `{s.name}` | {need} | {default} | {s.kind.describe} | {s.help} |")
    return rows


def test_the_configuration_document_matches_the_declarations() -> None:
    lines = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8").splitlines()
    missing = [row for row in documented_rows() if row not in lines]
    assert not missing, "docs/configuration.md lacks these rows (or has old ones):\n" + "\n".join(missing)
    declared = {row.split("`")[1] for row in documented_rows()}  # REDIS_URL, shared with Rasa, is not ASKIT_
    rows = {line for line in lines if line.startswith("| `") and line.split("`")[1] in declared}
    assert rows | {line for line in lines if line.startswith("| `ASKIT_")} == set(documented_rows())
    files = {
        "tenants.yml": {f.key for f in (*TENANTS_FIELDS, *TENANT_FIELDS)},
        "routing.yml": {*RoutingFile.model_fields, *TenantEntry.model_fields, *RuleEntry.model_fields},
        "contacts.yml": {
            *contacts.ContactsFile.model_fields,
            *contacts.DeskEntry.model_fields,
            *contacts.TenantEntry.model_fields,
            *contacts.TenantDeskEntry.model_fields,
            *contacts.TeamEntry.model_fields,
        },
        "search.yml": {f.key for f in (*knowledge.SEARCH_FIELDS, *itertools.chain(*knowledge.BLOCK_FIELDS.values()))},
        "thresholds.yml": {f.key for f in (*knowledge.THRESHOLDS_FIELDS, *knowledge.THRESHOLD_FIELDS)},
        "incidents.yml": {f.key for f in (*incident_matching.FILE_FIELDS, *incident_matching.MATCHING_FIELDS)},
        "incident_feeds.yml": {
            *feeds.FeedsFile.model_fields,
            *feeds.FeedEntry.model_fields,
            *feeds.ScopeEntry.model_fields,
        },
    }
    text = "\n".join(lines)
    for file, fields in files.items():
        section = text.split(f"### `knowledge_base/{file}`")[1].split("\n### ")[0]
        assert all(f"{field}`" in section for field in fields), f"{file}: {fields}"  # `a.b.field`


def test_a_bad_incidents_file_stops_the_start_naming_the_field(tmp_path: Path) -> None:
    path = tmp_path / "incidents.yml"
    path.write_text("matching: {threshold: 2, outage_cue_weight: 0, request_cue_weight: 2}\n")
    message = start(tmp_path, {"ASKIT_INCIDENTS_FILE": str(path)})
    assert message == f"{path}: matching.request_cue_weight: must be a number from 0 to 1, got 2"
