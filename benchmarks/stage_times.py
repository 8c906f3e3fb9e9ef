"""Time each stage of a fresh start, in a fresh clone: environments, index, training, server
start, the test suite. Prints a Markdown table for docs/benchmarks.md.

    python3 benchmarks/stage_times.py [--repo .] [--keep]

Runs `git clone` of the committed HEAD into a temporary folder, so it measures what CI sees.
"""

from __future__ import annotations

import argparse
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STAGES = [
    ("Python environments (make setup)", ["make", "setup"]),
    ("knowledge-base index (make index)", ["make", "index"]),
    ("Rasa training (make model)", ["make", "model"]),
    ("second make model (nothing changed)", ["make", "model"]),
    ("server start to ready (action server + Rasa)", None),
    ("test suite (make test, everything already set up)", ["make", "test"]),
]

START_SNIPPET = (
    "import time; from bot.launcher import Stack, free_port; s = Stack(rasa_port=free_port(), "
    "action_port=free_port()); t = time.monotonic(); s.start(); print(round(time.monotonic() - t, 1)); s.stop()"
)


def run(command: list[str], cwd: Path, log: Path) -> float:
    started = time.monotonic()
    with log.open("ab") as out:
        result = subprocess.run(command, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed with {result.returncode}; see {log}")
    return time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repo", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--keep", action="store_true", help="keep the clone for inspection")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="askit-stages-"))
    clone, log = work / "askit", work / "stages.log"
    subprocess.run(["git", "clone", "--quiet", str(args.repo), str(clone)], check=True)
    rows = []
    for name, command in STAGES:
        if command is None:
            python = clone / ".venv-actions" / "bin" / "python"
            started = time.monotonic()
            run([str(python), "-c", START_SNIPPET], clone, log)
            seconds = time.monotonic() - started
        else:
            seconds = run(command, clone, log)
        rows.append((name, seconds))
        print(f"{name}: {seconds:.0f} s", flush=True)
    print(
        f"\nMachine: {platform.node()}, {platform.processor() or platform.machine()}, "
        f"{subprocess.getoutput('nproc')} cores. Command: python3 benchmarks/stage_times.py\n"
    )
    print("| stage | seconds |\n|---|---|")
    for name, seconds in rows:
        print(f"| {name} | {seconds:.0f} |")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"\nclone kept at {clone}, log {log}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
