"""What deploy/ gives each AskIT process, read without Docker or a cluster: its command and its
environment, as Compose would interpolate compose.yml from deploy/.env and as Kubernetes would
build it from the Helm values and the Secret. deploy/env.example stands in for deploy/.env, a fresh
random value for every secret it leaves empty (as its own advice makes them)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.paths import ROOT

DEPLOY = ROOT / "deploy"
COMPOSE = DEPLOY / "compose.yml"
ENV_EXAMPLE = DEPLOY / "env.example"
HAPROXY = DEPLOY / "haproxy.cfg"
ENDPOINTS = DEPLOY / "endpoints.yml"
HELM = DEPLOY / "helm"
SECRET_NAME = "askit-secrets"  # the Kubernetes Secret made from deploy/.env (docs/deploy.md)

# Compose's interpolation: $$, ${VAR}, ${VAR:?err}, ${VAR?err}, ${VAR:-default}, ${VAR-default}.
_COMPOSE_REF = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[?-])([^}]*))?\}")
# Kubernetes' dependent environment variables: $(VAR) from a variable listed before.
_K8S_REF = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")
_ENDPOINT_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class Unset(Exception):
    """A ${VAR:?...} Compose would refuse to start without."""


def read_env_file(path: Path = ENV_EXAMPLE) -> dict[str, str]:
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def operator_env() -> dict[str, str]:
    """deploy/env.example as an operator fills it in: every empty (secret) line given a random value."""
    return {name: value or secrets.token_hex(32) for name, value in read_env_file().items()}


def compose_refs(text: str) -> set[str]:
    """The variables a Compose value reads."""
    return {m.group(1) for m in _COMPOSE_REF.finditer(text) if m.group(1)}


def bare_refs(text: str) -> str:
    """``text`` with each ${VAR...} written ${VAR}: a reference's message may hold spaces."""
    return _COMPOSE_REF.sub(lambda m: m.group(0) if m.group(0) == "$$" else "${" + m.group(1) + "}", text)


def interpolate(text: str, env: Mapping[str, str]) -> str:
    def one(m: re.Match[str]) -> str:
        if m.group(0) == "$$":
            return "$"
        name, op, arg = m.group(1), m.group(2), m.group(3)
        value = env.get(name)
        missing = value is None or (value == "" and op is not None and op.startswith(":"))
        if op and op.endswith("?") and missing:
            raise Unset(f"{name}: {arg}")
        if op and op.endswith("-") and missing:
            return arg
        return value or ""

    return _COMPOSE_REF.sub(one, text)


def endpoint_refs(endpoints: Mapping[str, Any]) -> set[str]:
    """The ${VARS} in Rasa's endpoints, which Rasa refuses to start without."""
    return set(_ENDPOINT_REF.findall(yaml.safe_dump(dict(endpoints))))


@dataclass(frozen=True)
class Process:
    """One container as deploy/ starts it: its command (entrypoint and arguments) and environment."""

    name: str
    command: list[str]
    env: dict[str, str] = field(repr=False)
    raw_env: dict[str, str] = field(repr=False)  # as written in the file, before interpolation


def load_compose() -> dict[str, Any]:
    return dict(yaml.safe_load(COMPOSE.read_text(encoding="utf-8")))


def dockerfile_of(service: Mapping[str, Any]) -> str | None:
    build = service.get("build")
    return str(build["dockerfile"]) if isinstance(build, dict) else None


def _entrypoint(dockerfile: str | None) -> list[str]:
    """The image's ENTRYPOINT (exec form), which Compose puts before the service's command."""
    if dockerfile is None:
        return []
    for line in (ROOT / dockerfile).read_text(encoding="utf-8").splitlines():
        if line.startswith("ENTRYPOINT "):
            return list(yaml.safe_load(line.removeprefix("ENTRYPOINT ")))
    return []


def compose_processes(env: Mapping[str, str]) -> dict[str, Process]:
    """Every service of compose.yml built from Dockerfile.*, interpolated from ``env``."""
    processes = {}
    for name, service in load_compose()["services"].items():
        dockerfile = dockerfile_of(service)
        if dockerfile is None:
            continue
        raw = {str(k): str(v) for k, v in (service.get("environment") or {}).items()}
        command = _entrypoint(dockerfile) + [str(part) for part in service["command"]]
        values = {k: interpolate(v, env) for k, v in raw.items()}
        processes[name] = Process(name, command, values, raw)
    return processes


def helm_values(name: str) -> dict[str, Any]:
    return dict(yaml.safe_load((HELM / f"{name}-values.yaml").read_text(encoding="utf-8")))


def helm_env(values: Mapping[str, Any], secret: Mapping[str, str]) -> dict[str, str]:
    """A pod's environment from ``extraEnv``: each secretKeyRef read from ``secret`` (an optional key
    that is not there is left out, as Kubernetes does), each $(VAR) expanded from those before it."""
    env: dict[str, str] = {}
    for item in values.get("extraEnv") or []:
        ref = (item.get("valueFrom") or {}).get("secretKeyRef")
        if ref is not None:
            assert ref["name"] == SECRET_NAME, f"{item['name']}: from the Secret {ref['name']}"
            if ref["key"] in secret and secret[ref["key"]]:
                env[item["name"]] = secret[ref["key"]]
            elif not ref.get("optional"):
                raise Unset(f"{item['name']}: the Secret has no {ref['key']}")
        else:
            env[item["name"]] = _K8S_REF.sub(lambda m: env.get(m.group(1), m.group(0)), str(item["value"]))
    return env


def chart_endpoints(values: Mapping[str, Any]) -> dict[str, Any]:
    """Rasa's endpoints.yml as the rasa chart's config map writes it from applicationSettings:
    each enabled store's keys but ``enabled`` (Helm drops the keys the values set to null), and
    the action endpoint at ${ACTION_SERVER_URL} when an action server is configured."""
    settings = values["applicationSettings"]["endpoints"]
    endpoints: dict[str, Any] = {}
    for key, name in (("trackerStore", "tracker_store"), ("lockStore", "lock_store"), ("eventBroker", "event_broker")):
        store = settings.get(key) or {}
        if store.get("enabled"):
            endpoints[name] = {k: v for k, v in store.items() if k != "enabled" and v is not None}
    if values["rasa-action-server"]["external"]["enabled"]:
        endpoints["action_endpoint"] = {"url": "${ACTION_SERVER_URL}"}
    return endpoints


def chart_fullname(release: str, chart: str) -> str:
    """rasa-common's fullname: the release's name when it holds the chart's, else release-chart."""
    return release if chart in release else f"{release}-{chart}"


def chart_image(values: Mapping[str, Any]) -> str:
    """rasa-common's image: repository:tag when a repository is given, else registry/name:tag."""
    image = values["image"]
    if image.get("repository"):
        return f"{image['repository']}:{image['tag']}"
    return f"{values['registry']}/{image['name']}:{image['tag']}"


def helm_process(name: str, release: str, chart: str, secret: Mapping[str, str]) -> Process:
    values = helm_values(name)
    env = helm_env(values, secret)
    if chart == "rasa" and values["rasa-action-server"]["external"]["enabled"]:
        env["ACTION_SERVER_URL"] = values["rasa-action-server"]["external"]["url"]  # the chart sets it
    raw = {item["name"]: str(item.get("value", "")) for item in values.get("extraEnv") or []}
    return Process(release, [str(p) for p in values["command"] + values["args"]], env, raw)
