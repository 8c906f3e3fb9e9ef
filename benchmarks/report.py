"""Replace one named section of a Markdown report, between <!-- name:start --> and <!-- name:end -->."""

from __future__ import annotations

import datetime as dt
import os
import platform
import re
from pathlib import Path


def markers(name: str) -> tuple[str, str]:
    return f"<!-- {name}:start -->", f"<!-- {name}:end -->"


def write_section(path: Path, name: str, body: str) -> None:
    """Put ``body`` (without markers) in the section, appending the section if it is new."""
    start, end = markers(name)
    section = f"{start}\n{body}\n{end}"
    text = path.read_text()
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.DOTALL)
    text = pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip() + "\n\n" + section + "\n"
    path.write_text(text)


def machine_line(script: str, python: str = ".venv-actions/bin/python") -> str:
    """The closing line of a section: where, when, and the command that wrote it."""
    return (
        f"Machine: {platform.machine()}, {os.cpu_count()} cores; {dt.date.today().isoformat()}. "
        f"Command: `{python} benchmarks/{script} --write docs/benchmarks.md`."
    )


def publish(section: str, name: str, path: Path | None) -> None:
    """Print the section, and write it into ``path`` when given."""
    print(section)
    if path:
        write_section(path, name, section)
