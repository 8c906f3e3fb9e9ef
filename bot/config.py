"""Configuration declared as data and checked once, at start-up: each environment variable as a
``Setting``, each file as a schema. Every error is one line naming the variable or the file, the
field, and what is wrong, and never shows a secret's value.

Standard library and yaml only, so both environments import it: the Rasa server's (pydantic 1)
and the action server's (pydantic 2, whose models the action server's files use: see ``check_file``).
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import yaml

from bot.paths import ROOT
from bot.secret import Secret

M = TypeVar("M")
ErrorType = Callable[[str], Exception]
MAX_SHOWN = 200  # characters of a bad value quoted in a message (a path may be long)


class ConfigurationError(ValueError):
    """A setting or a field of a configuration file is missing or unusable; the message is one line."""


@dataclass(frozen=True)
class Kind:
    """What a value must be. ``check`` takes the text of a variable (or a file's value) and returns
    the value, or raises ValueError saying what it must be (``echo``: the message may quote it)."""

    describe: str
    check: Callable[[Any], Any]
    echo: bool = True


@dataclass(frozen=True)
class Setting:
    """One environment variable, declared: a secret is never shown and is handed over as ``Secret``;
    ``default`` is written as an operator would set it, and is checked like a set value."""

    name: str
    kind: Kind
    help: str
    required: bool = False
    secret: bool = False
    default: str | Path | None = None

    def read(self, env: Mapping[str, str], error: ErrorType = ConfigurationError) -> Any:
        raw = env.get(self.name, "").strip()
        if not raw and self.default is None:
            if self.required:
                raise error(f"{self.name}: is not set ({self.help})")
            return None
        text = raw or str(self.default)
        try:
            value = self.kind.check(text)
        except ValueError as exc:
            if self.secret:
                raise error(f"{self.name}: is not valid ({exc})") from None
            raise error(line(self.name, str(exc), text if self.kind.echo else NOTHING)) from None
        return Secret(value) if self.secret else value

    @property
    def shown_default(self) -> str:
        if self.default is None:
            return ""
        return shown_path(self.default) if isinstance(self.default, Path) else self.default


def read_settings(
    env: Mapping[str, str], settings: Iterable[Setting], error: ErrorType = ConfigurationError
) -> dict[str, Any]:
    """Every declared setting's value by name (None: optional and not set); the first bad one raises."""
    return {s.name: s.read(env, error) for s in settings}


NOTHING: Any = object()


def line(where: str, problem: str, value: Any = NOTHING) -> str:
    """``where: problem, got value`` on one line."""
    text = f"{where}: {problem}"
    if value is not NOTHING:
        shown = repr(value)
        text += f", got {shown if len(shown) <= MAX_SHOWN else shown[: MAX_SHOWN - 3] + '...'}"
    return re.sub(r"\s*\n\s*", " ", text)


def shown_path(path: str | Path) -> str:
    """A path as the messages show it: relative to the project when inside it."""
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def kind(describe: str, test: Callable[[Any], bool], convert: Callable[[Any], Any] = lambda v: v) -> Kind:
    """A kind whose values pass ``test`` (else "must be <describe>"), turned into ``convert(value)``."""

    def check(value: Any) -> Any:
        if not test(value):
            raise ValueError(f"must be {describe}")
        return convert(value)

    return Kind(describe, check)


def matching(regex: str, describe: str) -> Kind:
    """Text that matches ``regex`` in full."""
    compiled = re.compile(regex)
    return kind(describe, lambda v: isinstance(v, str) and compiled.fullmatch(v) is not None)


def choice(*options: str, describe: str = "", fold_case: bool = False) -> Kind:
    """One of ``options`` (compared in lower case with ``fold_case``)."""

    def fold(value: Any) -> Any:
        return value.lower() if fold_case and isinstance(value, str) else value

    return kind(describe or "one of " + ", ".join(options), lambda v: fold(v) in options, fold)


def _is_url(value: Any) -> bool:
    parts = urlsplit(value) if isinstance(value, str) and value.isprintable() and " " not in value else None
    return parts is not None and parts.scheme in ("http", "https") and bool(parts.netloc)


def number(value: Any, problem: str) -> float:
    """A finite number from text or a YAML number (not a boolean), or ValueError(problem)."""
    try:
        if isinstance(value, bool) or not isinstance(value, int | float | str) or not math.isfinite(float(value)):
            raise ValueError(problem)
    except ValueError:
        raise ValueError(problem) from None
    return float(value)


def seconds(value: Any) -> float:
    """A number of seconds, 0 or more."""
    result = number(value, "must be a number of seconds")
    if result < 0:
        raise ValueError("must be a number of seconds")
    return result


def positive_seconds(value: Any) -> float:
    if seconds(value) <= 0:
        raise ValueError("must be more than 0 seconds")
    return float(value)


def count(what: str) -> Kind:
    """A whole number of ``what``, 1 or more."""
    return kind(f"a whole number of {what}, 1 or more", lambda v: _whole(v) and int(v) >= 1, int)


def _whole(value: Any) -> bool:
    return (isinstance(value, str) and value.isdigit()) or (isinstance(value, int) and not isinstance(value, bool))


TEXT = kind("one line of text", lambda v: isinstance(v, str) and v.isprintable())
NAME = kind(
    "a name (one line of text)", lambda v: isinstance(v, str) and v.strip() != "" and v.isprintable(), str.strip
)
URL = kind("an http(s) URL", _is_url, lambda v: v.rstrip("/"))
SECURE_URL = Kind("an https URL (http only on loopback)", lambda v: _https_or_loopback(URL.check(v)))
EMAIL = matching(r"[^@\s]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+", "an e-mail address")
DOMAIN = matching(r"[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+", "a domain name")
GUID = matching(r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}", "a GUID")
SECONDS = Kind("a number of seconds", seconds)
POSITIVE_SECONDS = Kind("a number of seconds above 0", positive_seconds)
FLAG = kind("0 or 1", lambda v: v in ("0", "1"), lambda v: v == "1")
TOKEN = kind("a token without spaces or control characters", lambda v: v.isprintable() and " " not in v)
MAPPING = kind("a mapping", lambda v: isinstance(v, dict))
FILE = kind("an existing file", lambda v: Path(v).is_file(), Path)
DIRECTORY = kind("a directory", lambda v: not Path(v).exists() or Path(v).is_dir(), Path)


def read_yaml(path: Path, error: ErrorType = ConfigurationError) -> Any:
    """A YAML file's data ({} when empty); a file that cannot be read or parsed is one line naming it."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise error(f"{shown_path(path)}: cannot be read: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise error(line(shown_path(path), f"cannot be read: not YAML{at}: {problem}")) from None


@dataclass(frozen=True)
class Field:
    """One key of a mapping in a configuration file (``many``: a list of such values)."""

    key: str
    kind: Kind
    help: str
    required: bool = False
    many: bool = False


def read_fields(
    data: Any, fields: Sequence[Field], path: Path, at: str, error: ErrorType = ConfigurationError
) -> dict[str, Any]:
    """The values of ``fields`` in the mapping ``data`` found at ``at`` in ``path``: the small checker
    of the files the Rasa environment reads too, where pydantic 1 and 2 would need two versions."""
    file = shown_path(path)
    if not isinstance(data, dict):
        raise error(line(f"{file}: {at or '(the file)'}", "must be a mapping", data))
    prefix = f"{at}." if at else ""
    known = {f.key for f in fields}
    unknown = [str(key) for key in data if key not in known]
    if unknown:
        raise error(line(f"{file}: {prefix}{unknown[0]}", f"is not a known field (known: {', '.join(sorted(known))})"))
    values: dict[str, Any] = {}
    for f in fields:
        where, value = f"{prefix}{f.key}", data.get(f.key)
        if value is None:
            if f.required:
                raise error(line(f"{file}: {where}", f"is missing ({f.help})"))
            values[f.key] = [] if f.many else None
        elif f.many and not isinstance(value, list):
            raise error(line(f"{file}: {where}", f"must be a list, each {f.kind.describe}", value))
        elif f.many:
            values[f.key] = [checked_value(f.kind, v, f"{file}: {where}[{i}]", error) for i, v in enumerate(value)]
        else:
            values[f.key] = checked_value(f.kind, value, f"{file}: {where}", error)
    return values


def checked_value(kind: Kind, value: Any, where: str, error: ErrorType = ConfigurationError) -> Any:
    """``kind.check(value)``, or one line: ``where: what it must be, got value``."""
    try:
        return kind.check(value)
    except ValueError as exc:
        raise error(line(where, str(exc), value if kind.echo else NOTHING)) from None


# What pydantic 2's error types mean, in the words the other messages use.
_PHRASES = {
    "missing": "is missing",
    "extra_forbidden": "is not a known field",
    "string_type": "must be text",
    "dict_type": "must be a mapping",
    "model_type": "must be a mapping",
    "list_type": "must be a list",
    "too_short": "must not be empty",
}
_UNQUOTED = {"missing", "extra_forbidden"}


def check_file(path: Path, model: type[M], error: ErrorType = ConfigurationError) -> M:
    """``path``'s YAML checked by a pydantic 2 model (action-server code only): the first problem is
    one line naming the file and the field."""
    from pydantic import ValidationError

    data = read_yaml(path, error)
    schema: Any = model
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        details: Mapping[str, Any] = exc.errors()[0]
    loc = [p for p in details["loc"] if p != "[key]"]  # a bad mapping key is named by the key itself
    where = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in loc).replace(".[", "[")
    kind = details["type"]
    problem = str(details["ctx"]["error"]) if kind == "value_error" else _PHRASES.get(kind, details["msg"])
    if kind == "missing":
        described = _description(schema, str(details["loc"][-1]))
        problem += f" ({described})" if described else ""
    value = NOTHING if kind in _UNQUOTED else details.get("input", NOTHING)
    raise error(line(f"{shown_path(path)}: {where or '(the file)'}", problem, value))


def _description(model: Any, name: str) -> str:
    """The description of a field called ``name`` in ``model`` or a model it nests."""
    schema = model.model_json_schema()
    for block in [schema, *schema.get("$defs", {}).values()]:
        described = block.get("properties", {}).get(name, {}).get("description")
        if described:
            return str(described)
    return ""


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _https_or_loopback(url: str) -> str:
    if urlsplit(url).scheme != "https" and not is_loopback(url):
        raise ValueError("must be an https URL (http only on loopback)")
    return url
