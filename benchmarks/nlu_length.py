"""What one message's length costs the Rasa server's NLU (DIET), to set the channels' text cap.

DIET's attention grows with the square of the number of tokens, so a long message costs memory and
time that every other conversation waits behind. Each length is parsed in a fresh process with the
trained model, after a short warm-up message, and the process's peak memory growth and the parse
time are measured. Run in the Rasa environment:

    .venv-rasa/bin/python benchmarks/nlu_length.py [--lengths 500,2000,8000] [--write docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.report import machine_line, publish  # noqa: E402
from bot.channels.inbound import MAX_TEXT_CHARS  # noqa: E402

MODEL = ROOT / "models" / "current.tar.gz"
SENTENCE = "my laptop will not connect to the vpn since the update and outlook keeps asking for my login "
DEFAULT_LENGTHS = "500,1000,2000,4000,8000,16000"


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def measure_one(chars: int) -> dict[str, float]:
    logging.disable(logging.WARNING)
    from rasa.core.agent import Agent

    agent = Agent.load(str(MODEL))
    asyncio.run(agent.parse_message("hello there"))
    before = peak_mib()
    text = (SENTENCE * (chars // len(SENTENCE) + 1))[:chars]
    started = time.perf_counter()
    asyncio.run(agent.parse_message(text))
    return {"chars": chars, "words": len(text.split()), "seconds": time.perf_counter() - started,
            "peak_growth_mib": peak_mib() - before}


def measure(chars: int) -> dict[str, float]:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, __file__, "--one", str(chars)], env=env, capture_output=True,
                         text=True, check=True, cwd=ROOT)
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lengths", default=DEFAULT_LENGTHS, help="message lengths in characters")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure_one(args.one)))
        return 0
    rows = [measure(int(n)) for n in args.lengths.split(",")]
    section = "\n".join(
        [
            "One message parsed by the trained NLU pipeline (DIET) in a fresh Rasa-environment process, after a "
            "warm-up message: its parse time and how much the process's peak memory grew. Every channel caps a "
            f"message at **{MAX_TEXT_CHARS:,} characters** (`bot/channels/inbound.py`) from these figures.",
            "",
            "| characters | words | parse s | peak memory growth MiB |",
            "|---|---|---|---|",
            *(f"| {r['chars']:,} | {r['words']:,} | {r['seconds']:.2f} | {r['peak_growth_mib']:,.0f} |" for r in rows),
            "",
            machine_line("nlu_length.py", python=".venv-rasa/bin/python"),
        ]
    )
    publish(section, "nlu-length", args.write)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
