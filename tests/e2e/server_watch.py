"""Watch a running ``Stack`` from outside, as an operator would: each server's resident memory
(its whole process tree, found in /proc by its port) and the tracebacks its log gains."""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from bot.launcher import Stack

SERVERS = ("rasa server", "action server")
TRACEBACK = "Traceback (most recent call last):"
CHAINED = ("During handling of the above exception", "The above exception was the direct cause")
STRUCTURED_EXCEPTION = '"exc_type": "'
_EXC_PAIR = re.compile(r'"exc_type": "([^"]+)", "exc_value": "((?:[^"\\]|\\.)*)"')
_EVENT = re.compile(r'"event": "([^"]+)"')
_PORT_ARG = re.compile(r"--port(?:=|\x00)(\d+)(?:\x00|$)")


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # gone since the listing
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(parent, []).append(int(entry.name))
    return tree


def _descendants(pid: int, tree: dict[int, list[int]]) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(tree.get(current, []))
    return found


def descendants(pid: int) -> list[int]:
    """``pid`` and every process under it."""
    return _descendants(pid, _children())


def process_cpu_seconds(pid: int) -> float:
    """CPU time (user and system) the one process ``pid`` has used so far; OSError once it is gone."""
    fields = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime and stime: 14th and 15th


def cpu_seconds(pid: int) -> float:
    """CPU time (user and system) ``pid`` and every process under it have used so far."""
    total = 0.0
    for each in _descendants(pid, _children()):
        with contextlib.suppress(OSError):  # gone since the listing
            total += process_cpu_seconds(each)
    return total


def _cmdline(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_text(errors="replace")
    except OSError:
        return ""


def server_pids(stack: Stack) -> dict[str, int]:
    """The top process of each server: our descendant whose command line has ``--port <its port>``."""
    ports = {"rasa server": stack.rasa_port, "action server": stack.action_port}
    found: dict[str, int] = {}
    for pid in _descendants(os.getpid(), _children())[1:]:
        match = _PORT_ARG.search(_cmdline(pid))
        for name, port in ports.items():
            if match and int(match.group(1)) == port and name not in found:
                found[name] = pid
    missing = set(ports) - set(found)
    if missing:
        raise LookupError(f"no process found for the {', '.join(sorted(missing))}")
    return found


def rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and every process under it (Sanic workers, say), in MB."""
    total_kb = 0
    for each in _descendants(pid, _children()):
        try:
            status = (Path("/proc") / str(each) / "status").read_text()
        except OSError:
            continue
        match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
        total_kb += int(match.group(1)) if match else 0
    return total_kb / 1024


def exception_lines(log: str) -> list[str]:
    """For each traceback in ``log``, the line naming the exception (the first unindented line
    after it; for a chain, the last one and the first), with the log line that introduced it.
    Rasa logs some exceptions as one line of JSON (``"exception": [{"exc_type": ...}]``): those
    count too, by their innermost cause."""
    lines = log.splitlines()
    found: list[str] = []
    chain: list[str] = []  # exceptions of a chain told so far, and the log line before its start
    for i, line in enumerate(lines):
        if TRACEBACK in line:
            at = next((j for j in range(i + 1, len(lines)) if lines[j] and not lines[j][0].isspace()), None)
            exc = lines[at].strip()[:160] if at is not None else "(exception line not written yet)"
            following = next((x for x in lines[at + 1 :] if x.strip()), "") if at is not None else ""
            if not chain:
                chain.append(lines[i - 1].strip()[-160:] if i else "")
            chain.append(exc)
            if following.startswith(CHAINED):
                continue
            before, first, *rest = chain
            found.append(f"{rest[-1]} (from {first})  [after: {before}]" if rest else f"{first}  [after: {before}]")
            chain = []
        elif STRUCTURED_EXCEPTION in line:
            causes = _EXC_PAIR.findall(line)
            event = _EVENT.search(line)
            if causes:
                kind, message = causes[-1]
                found.append(f"{kind}: {message[:160]}  [after: {event.group(1) if event else line[:80]}]")
    return found


@dataclass
class ServerWatch:
    """The servers of ``stack``: their memory now, and what their logs said since the last look."""

    stack: Stack
    pids: dict[str, int] = field(init=False)
    _logs: dict[str, IO[bytes]] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.pids = server_pids(self.stack)
        if self.stack.log_dir is None:
            raise ValueError("the stack must write its servers' logs to files (log_dir)")
        for name in SERVERS:
            log = open(self.stack.log_dir / f"{name}.log", "rb")  # noqa: SIM115 - closed in close()
            log.seek(0, os.SEEK_END)
            self._logs[name] = log

    def rss_mb(self) -> dict[str, float]:
        return {name: rss_mb(pid) for name, pid in self.pids.items()}

    def new_tracebacks(self) -> list[str]:
        """The tracebacks written to either log since the last call, as ``server: exception line``."""
        found: list[str] = []
        for name, log in self._logs.items():
            text = log.read().decode("utf-8", "replace")
            found.extend(f"{name}: {line}" for line in exception_lines(text))
        return found

    def all_tracebacks(self) -> list[str]:
        """Every traceback in either log, from the start of the stack."""
        assert self.stack.log_dir is not None
        found: list[str] = []
        for name in SERVERS:
            text = (self.stack.log_dir / f"{name}.log").read_text(errors="replace")
            found.extend(f"{name}: {line}" for line in exception_lines(text))
        return found

    def close(self) -> None:
        for log in self._logs.values():
            log.close()
