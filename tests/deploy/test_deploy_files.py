"""deploy/ checked without Docker or a cluster: HAProxy accepts its configuration; Compose starts
two Rasa and two action-server replicas behind the proxy with PostgreSQL and Redis; each process
passes its own start-up checks with the environment Compose and the Helm values give it; no secret
is written in clear; the Dockerfiles install what the Makefile installs, from files that exist.
What this cannot show (the images build, the pods start) is listed in docs/deploy.md."""

from __future__ import annotations

import fnmatch
import re
import secrets
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot import paths
from bot.action_auth import ACTION_TOKEN_SETTING
from bot.action_server import INSECURE_FLAG
from bot.backoffice.settings import SETTINGS as BACKOFFICE_SETTINGS
from bot.backoffice.settings import load_settings
from bot.channels.settings import SETTINGS as CHANNEL_SETTINGS
from bot.channels.settings import channel_settings
from bot.channels.widget_config import SETTINGS as WIDGET_SETTINGS
from bot.channels.widget_config import WidgetConfig
from bot.config import Setting, read_settings
from bot.handoff.environment import SETTINGS as LIVE_CHAT_SETTINGS
from bot.handoff.environment import LiveChatEnvironment
from bot.identity import SEAL_KEY_SETTING, IdentitySeal
from bot.incidents.feeds.poller import IncidentFeeds
from bot.knowledge.config import KnowledgeConfig
from bot.launcher import MAX_REQUEST_BYTES
from bot.paths import ROOT
from bot.rasa_replica import replica_argv
from bot.rasa_server import RASA_TOKEN_SETTING, rasa_argv
from bot.servicedesk.errors import ConfigError
from bot.servicedesk.registry import ADAPTERS, configured_desk
from bot.servicedesk.registry import SETTINGS as DESK_SETTINGS
from bot.servicedesk.worker import RETRY_SETTINGS, RetryPolicy
from bot.services import SETTINGS as ACTION_SETTINGS
from tests.deploy.deployment import (
    DEPLOY,
    ENDPOINTS,
    ENV_EXAMPLE,
    HAPROXY,
    HELM,
    Process,
    Unset,
    bare_refs,
    chart_endpoints,
    chart_fullname,
    chart_image,
    compose_processes,
    compose_refs,
    dockerfile_of,
    endpoint_refs,
    helm_process,
    helm_values,
    interpolate,
    load_compose,
    operator_env,
    read_env_file,
)

RASA, ACTIONS, BACKOFFICE = "bot.rasa_replica", "bot.action_server", "bot.backoffice"
# Helm: values file -> (release name docs/deploy.md installs it as, chart).
RELEASES = {"rasa": ("askit-rasa", "rasa"), "actions": ("askit-actions", "rasa-action-server")}
RELEASES["backoffice"] = ("askit-backoffice", "rasa-action-server")
# Secrets that are no declared Setting: the servers' shared tokens, Teams' client secret (a
# ${VAR} in credentials.yml) and the stores' passwords.
UNDECLARED_SECRETS = {ACTION_TOKEN_SETTING, RASA_TOKEN_SETTING, SEAL_KEY_SETTING, "TEAMS_APP_PASSWORD"}
UNDECLARED_SECRETS |= {"POSTGRES_PASSWORD", "REDIS_PASSWORD"}
# What the processes must agree on: tokens one shows and the other checks, the one database.
SHARED = {
    ACTION_TOKEN_SETTING: (RASA, ACTIONS),
    RASA_TOKEN_SETTING: (RASA, ACTIONS),
    SEAL_KEY_SETTING: (RASA, ACTIONS),
    "ASKIT_AGENT_TOKEN_SECRET": (RASA, BACKOFFICE),
    "ASKIT_BACKOFFICE_DB": (RASA, ACTIONS, BACKOFFICE),
    "REDIS_URL": (RASA, ACTIONS),
}
CREDENTIAL_IN_URL = re.compile(r"://[^/@\s:]*:([^@\s]+)@")
KEY_LIKE = re.compile(r"[A-Za-z0-9+/_=-]{32,}")
HEALTH_PATHS = {RASA: "/", ACTIONS: "/health", BACKOFFICE: "/health"}  # as bot/launcher.py waits on them


def looks_generated(word: str) -> bool:
    """A run of 32 or more that mixes digits and lower-case letters: what `openssl rand -hex 32` or
    a token_urlsafe makes, and no setting's name, host name or GUID."""
    return any(c.isdigit() for c in word) and any(c.islower() for c in word)


def declared_secrets() -> set[str]:
    """Every setting the code declares secret, and the secrets it reads without a declaration."""
    declared: list[Setting] = [
        *CHANNEL_SETTINGS,
        *WIDGET_SETTINGS,
        *LIVE_CHAT_SETTINGS,
        *BACKOFFICE_SETTINGS,
        *ACTION_SETTINGS,
        *DESK_SETTINGS,
        *RETRY_SETTINGS,
        *(setting for adapter in ADAPTERS.values() for setting in adapter.settings),
    ]
    return {s.name for s in declared if s.secret} | UNDECLARED_SECRETS


def module(process: Process) -> str:
    assert process.command[:2] == ["python", "-m"], process.command
    return process.command[2]


def option(process: Process, name: str) -> str:
    return process.command[process.command.index(name) + 1]


def credentials_channels() -> dict[str, Any]:
    return dict(yaml.safe_load((ROOT / "credentials.yml").read_text(encoding="utf-8")))


def start_up(process: Process, endpoints: Mapping[str, Any], channels: Mapping[str, Any]) -> None:
    """The checks ``process`` makes of its settings before it serves, each raising on a missing or
    bad one, plus what the deployment needs of it (the widget on, every shared token set)."""
    env, args = process.env, process.command[3:]
    match module(process):
        case "bot.rasa_replica":
            rasa_argv(replica_argv(args, env), env)  # its API's token; the widget's origins
            unset = (endpoint_refs(endpoints) | endpoint_refs(channels)) - {k for k, v in env.items() if v}
            assert not unset, f"{process.name}: Rasa refuses endpoints or credentials with {sorted(unset)} unset"
            channel_settings(env)
            assert WidgetConfig.from_env(env).disabled_reason is None, f"{process.name}: the widget is off"
            IdentitySeal.from_env(env)
            LiveChatEnvironment.from_env(env)
            assert env.get(ACTION_TOKEN_SETTING), f"{process.name}: the action servers would refuse its calls"
        case "bot.action_server":
            assert INSECURE_FLAG not in args and env.get(ACTION_TOKEN_SETTING), f"{process.name}: no action token"
            read_settings(env, ACTION_SETTINGS, ConfigError)
            IdentitySeal.from_env(env)
            KnowledgeConfig.load(env)
            LiveChatEnvironment.from_env(env)
            RetryPolicy.from_env(env)
            read_settings(env, (*DESK_SETTINGS, *configured_desk(env).settings), ConfigError)
            IncidentFeeds.from_env(env)
        case "bot.backoffice":
            assert "--dev" not in args, f"{process.name}: development sign-in"
            load_settings(env, dev=False, port=int(option(process, "--port")))
            KnowledgeConfig.load(env)
            LiveChatEnvironment.from_env(env)
        case other:
            pytest.fail(f"{process.name} runs {other}, which deploy/ does not know")


def by_module(processes: Mapping[str, Process]) -> dict[str, list[Process]]:
    grouped: dict[str, list[Process]] = {RASA: [], ACTIONS: [], BACKOFFICE: []}
    for process in processes.values():
        grouped.setdefault(module(process), []).append(process)
    return grouped


# -- HAProxy -----------------------------------------------------------------------------------------


def haproxy_sections() -> dict[str, list[list[str]]]:
    """Each ``frontend``/``backend`` section of haproxy.cfg by "kind name": its lines, split."""
    sections: dict[str, list[list[str]]] = {}
    current: list[list[str]] | None = None
    for line in HAPROXY.read_text(encoding="utf-8").splitlines():
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        if not line[0].isspace():
            current = sections.setdefault(" ".join(words[:2]), [])
        elif current is not None:
            current.append(words)
    return sections


def backend_servers(backend: str) -> set[tuple[str, int]]:
    return {
        (host, int(port))
        for words in haproxy_sections()[f"backend {backend}"]
        if words[0] == "server"
        for host, _, port in [words[2].rpartition(":")]
    }


def frontend_backend(port: int) -> str:
    """The backend the frontend bound to ``port`` sends everything to."""
    for name, lines in haproxy_sections().items():
        if name.startswith("frontend ") and ["bind", f":{port}"] in lines:
            return next(words[1] for words in lines if words[0] == "default_backend")
    raise AssertionError(f"haproxy.cfg has no frontend on port {port}")


def test_haproxy_accepts_its_configuration_without_the_compose_network() -> None:
    haproxy = shutil.which("haproxy") or pytest.fail("haproxy not found: run 'make system-deps'")
    result = subprocess.run([haproxy, "-c", "-f", str(HAPROXY)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    warnings = [line for line in result.stderr.splitlines() if "[WARNING]" in line]
    # Only the Compose service names, which resolve once HAProxy runs inside Compose's network.
    assert all("could not resolve address" in line for line in warnings), warnings


def test_the_proxy_sends_each_backend_to_every_replica_on_the_port_it_listens_on() -> None:
    servers = by_module(compose_processes(operator_env()))
    replicas = {kind: {(p.name, int(option(p, "--port"))) for p in servers[kind]} for kind in servers}
    for backend in ("rasa_channels", "rasa_socketio", "rasa_api"):
        assert backend_servers(backend) == replicas[RASA], backend
    assert backend_servers("actions") == replicas[ACTIONS]
    assert backend_servers("backoffice") == replicas[BACKOFFICE]
    for rasa in servers[RASA]:
        url = rasa.env["ACTION_SERVER_URL"]
        assert re.fullmatch(r"http://proxy:\d+/webhook", url), url
        assert frontend_backend(int(url.split(":")[2].split("/")[0])) == "actions"
    for actions in servers[ACTIONS]:
        assert frontend_backend(int(actions.env["ASKIT_RASA_URL"].rsplit(":", 1)[1])) == "rasa_api"


def test_the_widgets_socket_stays_on_one_replica_and_the_api_is_not_public() -> None:
    sections = haproxy_sections()
    sticky = sections["backend rasa_socketio"]  # the session -> replica pairs learnt from each handshake
    assert ["stick", "store-response", "res.cook(io)"] in sticky and ["stick", "match", "url_param(sid)"] in sticky
    public = sections["frontend public"]
    assert ["use_backend", "rasa_socketio", "if", "socketio"] in public
    assert any(words[:2] == ["http-request", "deny"] for words in public)
    published = {str(p).rsplit(":", 1)[1] for p in load_compose()["services"]["proxy"]["ports"]}
    assert published == {"8080", "8090"}  # the channels and the back office; not Rasa's API, not the actions


# -- Compose -----------------------------------------------------------------------------------------


def test_compose_starts_two_rasa_and_two_action_servers_with_postgres_redis_and_the_proxy() -> None:
    services = load_compose()["services"]
    servers = by_module(compose_processes(operator_env()))
    assert len(servers[RASA]) == 2 and len(servers[ACTIONS]) == 2 and len(servers[BACKOFFICE]) == 1
    assert {dockerfile_of(services[p.name]) for p in servers[RASA]} == {"deploy/Dockerfile.rasa"}
    assert {dockerfile_of(services[p.name]) for p in [*servers[ACTIONS], *servers[BACKOFFICE]]} == {
        "deploy/Dockerfile.actions"
    }
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    assert services["proxy"]["image"].startswith("haproxy:2.6")  # the version `haproxy -c` checks here
    assert "./haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro" in services["proxy"]["volumes"]


@pytest.mark.parametrize("service", ["rasa-1", "rasa-2", "actions-1", "actions-2", "backoffice"])
def test_each_process_passes_its_start_up_checks_with_what_compose_gives_it(service: str) -> None:
    endpoints = yaml.safe_load(ENDPOINTS.read_text(encoding="utf-8"))
    start_up(compose_processes(operator_env())[service], endpoints, credentials_channels())


def test_a_process_missing_a_setting_fails_its_start_up_checks() -> None:
    """The checks above can fail: the action server without its token, the back office without its key."""
    processes = compose_processes(operator_env())
    endpoints = yaml.safe_load(ENDPOINTS.read_text(encoding="utf-8"))
    for name, setting in (("actions-1", ACTION_TOKEN_SETTING), ("backoffice", "ASKIT_BACKOFFICE_SECRET")):
        process = processes[name]
        env = {k: v for k, v in process.env.items() if k != setting}
        with pytest.raises((AssertionError, ValueError)):
            start_up(Process(name, process.command, env, process.raw_env), endpoints, credentials_channels())


def test_compose_refuses_to_start_without_a_secret_and_env_example_lists_what_it_reads() -> None:
    listed = read_env_file()
    assert compose_refs(yaml.safe_dump(load_compose())) == set(listed), (
        "deploy/env.example lists exactly what compose.yml reads"
    )
    env = operator_env()
    del env[ACTION_TOKEN_SETTING]
    with pytest.raises(Unset, match=ACTION_TOKEN_SETTING):
        compose_processes(env)


def test_the_processes_agree_on_what_they_share() -> None:
    servers = by_module(compose_processes(operator_env()))
    for setting, kinds in SHARED.items():
        values = {p.env.get(setting) for kind in kinds for p in servers[kind]}
        assert len(values) == 1 and None not in values, f"{setting} differs between {kinds}"


def test_every_server_has_a_healthcheck_on_its_own_port() -> None:
    services = load_compose()["services"]
    for kind, processes in by_module(compose_processes(operator_env())).items():
        for process in processes:
            test = " ".join(services[process.name]["healthcheck"]["test"])
            assert f"http://127.0.0.1:{option(process, '--port')}{HEALTH_PATHS[kind]}'" in test, process.name
    for store in ("postgres", "redis"):
        assert services[store]["healthcheck"]["test"]


def test_the_knowledge_base_and_the_model_are_shared_volumes() -> None:
    services = load_compose()["services"]
    mounts = {name: {str(v).split(":")[1]: str(v) for v in s.get("volumes", [])} for name, s in services.items()}
    index, articles = "/app/knowledge_base/index", "/app/knowledge_base/articles"
    for name in ("rasa-1", "rasa-2"):
        assert (
            mounts[name][index] == f"kb-index:{index}:ro" and mounts[name]["/app/models"] == "../models:/app/models:ro"
        )
    for name in ("actions-1", "actions-2"):
        assert mounts[name][index] == f"kb-index:{index}" and mounts[name][articles] == f"kb-articles:{articles}:ro"
    assert mounts["backoffice"][articles] == f"kb-articles:{articles}"
    assert mounts["backoffice"][index] == f"kb-index:{index}:ro"
    assert {"kb-index", "kb-articles", "pgdata"} <= set(load_compose()["volumes"])


def test_deploys_endpoints_are_rasas_distributed_stores_with_askits_own_classes() -> None:
    deploy = yaml.safe_load(ENDPOINTS.read_text(encoding="utf-8"))
    local = yaml.safe_load((ROOT / "endpoints.yml").read_text(encoding="utf-8"))
    assert deploy["lock_store"]["type"] == local["lock_store"]["type"] == "bot.lock_store.RedisOrInMemory"
    for store in ("tracker_store", "event_broker"):
        assert deploy[store]["type"] == local[store]["type"], store
    assert (DEPLOY / "postgres-init.sql").read_text(encoding="utf-8").count("CREATE DATABASE") == 4


# -- Helm --------------------------------------------------------------------------------------------


# The keys each chart's values.yaml declares (rasa 1.17.3; rasa-action-server 1.0.5, whose
# values.schema.json types fullnameOverride, nameOverride and image.repository as null, so they
# cannot be set), two levels deep where AskIT's values go deeper. A key outside these is ignored by
# the chart without a word, so a typo would drop a setting.
RASA_CHART_KEYS = {
    *[
        "nameOverride",
        "fullnameOverride",
        "registry",
        "applicationSettings",
        "replicaCount",
        "networkPolicy",
        "args",
        "extraArgs",
    ],
    *["command", "extraEnv", "image", "serviceAccount", "podAnnotations", "podLabels", "deploymentAnnotations"],
    *["deploymentLabels", "podSecurityContext", "securityContext", "service", "ingress", "resources", "autoscaling"],
    *["nodeSelector", "tolerations", "affinity", "strategy", "livenessProbe", "readinessProbe", "initContainers"],
    *[
        "extraContainers",
        "volumes",
        "volumeMounts",
        "global",
        "postgresql",
        "redis",
        "rabbitmq",
        "nginx",
        "rasa-action-server",
        "duckling",
    ],
}
RASA_APPLICATION_KEYS = set(
    [
        "debugMode",
        "initialModel",
        "trainInitialModel",
        "port",
        "scheme",
        "token",
        "cors",
        "enableAPI",
        "credentials",
        "telemetry",
        "endpoints",
        "rasaX",
    ]
)
RASA_ENDPOINT_KEYS = {"models", "trackerStore", "lockStore", "eventBroker", "action", "additionalEndpoints"}
ACTION_CHART_KEYS = {
    *[
        "registry",
        "applicationSettings",
        "replicaCount",
        "args",
        "command",
        "extraEnv",
        "image",
        "serviceAccount",
        "podAnnotations",
    ],
    *[
        "podLabels",
        "deploymentAnnotations",
        "deploymentLabels",
        "podSecurityContext",
        "securityContext",
        "service",
        "ingress",
    ],
    *[
        "resources",
        "autoscaling",
        "nodeSelector",
        "tolerations",
        "affinity",
        "strategy",
        "livenessProbe",
        "readinessProbe",
    ],
    *["initContainers", "volumes", "volumeMounts"],
}
ACTION_APPLICATION_KEYS = {"port", "scheme", "telemetry"}
IMAGE_KEYS = {"name", "tag", "repository", "pullPolicy", "pullSecrets"}


def test_the_helm_values_use_only_the_charts_keys() -> None:
    rasa = helm_values("rasa")
    assert set(rasa) <= RASA_CHART_KEYS, set(rasa) - RASA_CHART_KEYS
    assert set(rasa["applicationSettings"]) <= RASA_APPLICATION_KEYS
    assert set(rasa["applicationSettings"]["endpoints"]) <= RASA_ENDPOINT_KEYS
    assert set(rasa["image"]) <= IMAGE_KEYS
    for name in ("actions", "backoffice"):
        values = helm_values(name)
        assert set(values) <= ACTION_CHART_KEYS, (name, set(values) - ACTION_CHART_KEYS)
        assert set(values["applicationSettings"]) <= ACTION_APPLICATION_KEYS
        assert set(values["image"]) <= IMAGE_KEYS - {"repository"}
    for name in RELEASES:  # typed integer in both charts' schemas
        values = helm_values(name)
        assert all(isinstance(v, int) for v in (values["replicaCount"], values["service"]["port"]))


@pytest.mark.parametrize("values", sorted(RELEASES))
def test_each_process_passes_its_start_up_checks_with_what_the_helm_values_give_it(values: str) -> None:
    release, chart = RELEASES[values]
    process = helm_process(values, release, chart, operator_env())
    start_up(process, chart_endpoints(helm_values("rasa")), helm_values("rasa")["applicationSettings"]["credentials"])


def test_the_helm_values_configure_what_compose_does() -> None:
    rasa = helm_values("rasa")
    assert rasa["replicaCount"] == 2 and helm_values("actions")["replicaCount"] == 2
    assert helm_values("backoffice")["replicaCount"] == 1
    deploy = yaml.safe_load(ENDPOINTS.read_text(encoding="utf-8"))
    as_text = {store: {k: str(v) for k, v in keys.items()} for store, keys in deploy.items()}
    assert {store: {k: str(v) for k, v in keys.items()} for store, keys in chart_endpoints(rasa).items()} == as_text
    channels = rasa["applicationSettings"]["credentials"]["additionalChannelCredentials"]
    assert channels == credentials_channels()
    assert rasa["applicationSettings"]["initialModel"] == "" and not rasa["postgresql"]["install"]


def test_the_helm_releases_find_each_other() -> None:
    rasa, actions = helm_values("rasa"), helm_values("actions")
    secret = operator_env()
    actions_service = chart_fullname(*RELEASES["actions"])
    url = f"http://{actions_service}:{actions['service']['port']}/webhook"
    assert rasa["rasa-action-server"]["external"]["url"] == url
    rasa_url = f"http://{chart_fullname(*RELEASES['rasa'])}:{rasa['service']['port']}"
    assert helm_process("actions", *RELEASES["actions"], secret).env["ASKIT_RASA_URL"] == rasa_url
    for values in ("rasa", "actions", "backoffice"):
        port = helm_values(values)["applicationSettings"]["port"]
        assert option(helm_process(values, *RELEASES[values], secret), "--port") == str(port)
    assert [c["image"] for c in actions["initContainers"]] == [chart_image(actions)]
    assert chart_image(helm_values("backoffice")) == chart_image(actions)


def test_the_helm_processes_agree_on_what_they_share() -> None:
    secret = operator_env()
    processes = {name: helm_process(name, *RELEASES[name], secret) for name in RELEASES}
    kinds = {module(p): p for p in processes.values()}
    for setting, sharing in SHARED.items():
        values = {kinds[kind].env.get(setting) for kind in sharing}
        assert len(values) == 1 and None not in values, f"{setting} differs between {sharing}"


def test_docs_deploy_names_every_variable_the_deployment_sets() -> None:
    docs = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", docs))
    compose = {k for p in compose_processes(operator_env()).values() for k in p.env}
    helm = {e["name"] for name in RELEASES for e in helm_values(name).get("extraEnv") or []}
    unnamed = (compose | helm | set(read_env_file())) - named
    assert not unnamed, f"docs/deploy.md does not say what these are: {sorted(unnamed)}"


# -- Secrets -----------------------------------------------------------------------------------------


def test_no_secret_is_written_in_clear() -> None:
    secret_names = declared_secrets()
    assert {"ASKIT_BACKOFFICE_SECRET", "ASKIT_WIDGET_JWT_SECRET", "ASKIT_RT_TOKEN"} <= secret_names
    # Compose: a secret is a ${VAR} read from deploy/.env (no default but empty), and so is a password in a URL.
    for name, service in load_compose()["services"].items():
        for key, raw in (service.get("environment") or {}).items():
            raw = str(raw)
            if key in secret_names:  # its own ${VAR}, or a URL whose password is one (checked below)
                whole = re.fullmatch(r"\$\{" + key + r"(:\?[^}]*|:-)\}", raw)
                assert whole or CREDENTIAL_IN_URL.search(bare_refs(raw)), f"{name}: {key} is written in clear"
            for password in CREDENTIAL_IN_URL.findall(bare_refs(raw)):
                assert re.fullmatch(r"\$\{[A-Z_]+\}", password), f"{name}: {key} holds a password"
        command = " ".join(str(part) for part in service.get("command", []))
        assert not compose_refs(command) & secret_names, f"{name}: a secret on the command line"
    # env.example: every secret empty, for the operator to make.
    assert not {k: v for k, v in read_env_file(ENV_EXAMPLE).items() if k in secret_names and v}
    # Helm: a secret only from the Secret, and a password in a URL only as $(VAR) of one.
    for path in sorted(HELM.glob("*-values.yaml")):
        values = yaml.safe_load(path.read_text(encoding="utf-8"))
        from_secret = {e["name"] for e in values.get("extraEnv") or [] if "valueFrom" in e}
        for entry in values.get("extraEnv") or []:
            if entry["name"] in secret_names:  # from the Secret, or a URL whose password is $(VAR) of one
                in_url = CREDENTIAL_IN_URL.findall(str(entry.get("value", "")))
                assert entry["name"] in from_secret or in_url, f"{path.name}: {entry['name']} is written in clear"
            for password in CREDENTIAL_IN_URL.findall(str(entry.get("value", ""))):
                assert password[2:-1] in from_secret, f"{path.name}: {entry['name']} holds a password"
    # Nothing anywhere in deploy/ that looks like a generated key.
    for path in sorted(p for p in DEPLOY.rglob("*") if p.is_file() and p.name not in (".env", "desk.env")):
        assert not [w for w in KEY_LIKE.findall(path.read_text(encoding="utf-8")) if looks_generated(w)], path


def test_the_secret_checks_can_fail() -> None:
    """A token written into compose.yml is found by the same rule the test above applies."""
    written = "postgresql://askit:${POSTGRES_PASSWORD:?set in deploy/.env}@postgres:5432/askit_tracker"
    assert CREDENTIAL_IN_URL.findall(bare_refs(written)) == ["${POSTGRES_PASSWORD}"]
    assert CREDENTIAL_IN_URL.findall("postgresql://askit:hunter2hunter2@postgres:5432/t") == ["hunter2hunter2"]
    assert interpolate("${ASKIT_REST_TOKEN:-}", {}) == ""
    assert [w for w in KEY_LIKE.findall(f"ASKIT_RASA_TOKEN={secrets.token_hex(32)}") if looks_generated(w)]


# -- Dockerfiles -------------------------------------------------------------------------------------


def instructions(dockerfile: str) -> list[tuple[str, str]]:
    """(instruction, arguments) with continuation lines joined."""
    text = (ROOT / dockerfile).read_text(encoding="utf-8").replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0], line.split(None, 1)[1]) for line in lines]


def dockerignored(path: str) -> bool:
    """Whether .dockerignore leaves ``path`` out of the build context (its last matching line wins)."""
    lines = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    parts = Path(path).parts
    ignored = False
    for pattern in (line.strip() for line in lines if line.strip() and not line.startswith("#")):
        negated, pattern = pattern.startswith("!"), pattern.removeprefix("!")
        if any(fnmatch.fnmatch("/".join(parts[: i + 1]), pattern) for i in range(len(parts))):
            ignored = not negated
    return ignored


def copied(dockerfile: str) -> list[str]:
    """The sources of the Dockerfile's COPY instructions."""
    sources = []
    for instruction, args in instructions(dockerfile):
        if instruction == "COPY":
            sources += [a for a in args.split() if not a.startswith("--")][:-1]
    return sources


def pinned(requirements: str, package: str) -> str:
    lines = (ROOT / requirements).read_text(encoding="utf-8").splitlines()
    return next(line.split("#")[0].strip() for line in lines if line.startswith(f"{package}=="))


@pytest.mark.parametrize("dockerfile", ["deploy/Dockerfile.rasa", "deploy/Dockerfile.actions"])
def test_the_dockerfiles_copy_files_that_exist_and_are_sent_to_the_build(dockerfile: str) -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    built_by_make = set(re.findall(r"^MODEL := (\S+)$", makefile, re.MULTILINE))  # `make model` writes it
    for source in copied(dockerfile):
        assert (ROOT / source).exists() or source in built_by_make, f"{dockerfile}: COPY {source}"
        assert not dockerignored(source.rstrip("/")), f"{dockerfile}: .dockerignore leaves out {source}"


def test_the_action_image_holds_every_file_the_code_reads_from_the_project() -> None:
    """bot/paths.py names the project's files; the action server and the back office read all of them
    (the studio scores drafts on DEV_QUESTIONS). The index and var/ are made at run time."""
    made = {paths.ROOT, paths.INDEX_DIR, paths.VAR_DIR}
    files = [v for v in vars(paths).values() if isinstance(v, Path) and v not in made and v.exists()]
    sources = [ROOT / source.rstrip("/") for source in copied("deploy/Dockerfile.actions")]
    missing = [f for f in files if not any(f == s or s in f.parents for s in sources)]
    assert not missing, f"deploy/Dockerfile.actions does not copy {missing}"


def test_the_action_image_installs_the_cpu_torch_first_and_alone() -> None:
    runs = [args for instruction, args in instructions("deploy/Dockerfile.actions") if instruction == "RUN"]
    installs = [args.split() for args in runs if args.startswith("pip install")]
    torch = pinned("requirements/actions.txt", "torch")
    first = [word for word in installs[0][2:] if not word.startswith("--")]
    assert first == ["https://download.pytorch.org/whl/cpu", torch] and "--index-url" in installs[0]
    assert installs[1][-4:] == ["-r", "requirements/actions.txt", "-c", "requirements/actions.lock"]
    assert len(installs) == 2
    env = " ".join(args for instruction, args in instructions("deploy/Dockerfile.actions") if instruction == "ENV")
    assert "HF_HUB_OFFLINE=1" in env.split() and "python:3.11" in instructions("deploy/Dockerfile.actions")[0][1]


def test_the_rasa_image_installs_the_locked_rasa_and_serves_as_the_launcher_would() -> None:
    steps = instructions("deploy/Dockerfile.rasa")
    assert steps[0] == ("FROM", "python:3.10-slim-bookworm")
    installs = [args.split() for instruction, args in steps if instruction == "RUN" and args.startswith("pip install")]
    assert installs == [
        ["pip", "install", "--no-compile", "-r", "requirements/rasa.txt", "-c", "requirements/rasa.lock"]
    ]
    env = " ".join(args for instruction, args in steps if instruction == "ENV").split()
    assert f"SANIC_REQUEST_MAX_SIZE={MAX_REQUEST_BYTES}" in env and "RASA_TELEMETRY_ENABLED=false" in env
    entrypoint = next(yaml.safe_load(args) for instruction, args in steps if instruction == "ENTRYPOINT")
    assert entrypoint == ["python", "-m", RASA] and (ROOT / "bot" / "rasa_replica.py").exists()


def test_the_proxy_refuses_a_body_larger_than_the_servers_take_itself() -> None:
    """Refused by a replica, a client still sending a large body saw its connection reset through
    the proxy (found by the scale-out fuzz run); refused by the proxy, it gets the 413."""
    public = haproxy_sections()["frontend public"]
    limit = ["http-request", "deny", "deny_status", "413", "if", "{", "req.hdr_val(content-length)", "gt"]
    assert [*limit, str(MAX_REQUEST_BYTES), "}"] in public
