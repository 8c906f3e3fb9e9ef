"""Action-server replicas sharing one articles folder and one index (issue 15): each a real process
(tests/knowledge/replica.py). One of them builds a change, once, and every replica serves it; a
builder killed mid-build leaves the old build serving and its lock free for another; replicas
started together build once."""

from __future__ import annotations

import json
import select
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest

from bot.knowledge import layout
from bot.knowledge.build import build_index, source_hash
from bot.knowledge.validate import load_articles
from bot.paths import ROOT
from tests.fakes import FakeEmbedder
from tests.knowledge.replica import READY, STALL_FILE, STALL_WORD, STALLED_PREFIX
from tests.knowledge.test_articles import GOOD, write
from tests.knowledge.test_validate import article_file
from tests.waiting import exited, wait_until

START_SECONDS = 60.0  # a replica imports FAISS, numpy and BM25 on a shared 2-core machine
CHANGE_SECONDS = 30.0
TONER = article_file("toner-low", "printing").replace("title: VPN will not connect", "title: Printer toner is low")


class Replica:
    """One replica process; ``ask`` sends it a question and returns its reply."""

    def __init__(self, folder: Path, log: IO[str]) -> None:
        command = [sys.executable, "-m", "tests.knowledge.replica", *(str(folder / p) for p in ("articles", "index"))]
        self.proc = subprocess.Popen(
            [*command, str(folder)], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True
        )
        self.pid = self.proc.pid

    def ready(self) -> None:
        assert self._line(START_SECONDS) == READY

    def ask(self, question: str) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(question + "\n")
        self.proc.stdin.flush()
        reply: dict[str, Any] = json.loads(self._line(CHANGE_SECONDS))
        return reply

    def serves(self, article_id: str, question: str) -> bool:
        """Whether it answers ``question`` with ``article_id`` and has looked at the folder as it is."""
        reply = self.ask(question)
        return reply["answer"] == [article_id] and reply["up_to_date"]

    def _line(self, timeout: float) -> str:
        assert self.proc.stdout is not None
        readable, _, _ = select.select([self.proc.stdout], [], [], timeout)
        line = self.proc.stdout.readline() if readable else ""
        assert line, f"replica {self.pid} said nothing within {timeout:g} s (exit code {self.proc.poll()})"
        return line.strip()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                stream.close()


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Any]:
    """Starts replicas on ``tmp_path``'s articles and index (all at once, then waits for each); stops
    them at the end, and shows their logs if the test failed."""
    started: list[Replica] = []
    log = (tmp_path / "replicas.log").open("w")

    def start_replicas(count: int) -> list[Replica]:
        replicas = [Replica(tmp_path, log) for _ in range(count)]
        started.extend(replicas)
        for replica in replicas:
            replica.ready()
        return replicas

    yield start_replicas
    for replica in started:
        replica.stop()
    log.close()
    print((tmp_path / "replicas.log").read_text())  # shown by pytest when the test fails


def builds(index: Path) -> dict[str, int]:
    """The complete builds in ``index``, each with the process that made it (its name ends with the pid)."""
    folder = index / layout.BUILDS
    if not folder.exists():
        return {}
    return {p.name: int(p.name.rsplit("-", 1)[1]) for p in folder.iterdir() if (p / layout.CONFIG_FILE).exists()}


def build_as_the_command_line_does(articles: Path, index: Path) -> str:
    embedder = FakeEmbedder()
    source = source_hash(articles, embedder)
    return build_index(load_articles(articles), embedder, index, source=source).name


@pytest.fixture
def folder(tmp_path: Path) -> tuple[Path, Path]:
    articles = tmp_path / "articles"
    write(articles, "connectivity/vpn-connect.md", GOOD)
    return articles, tmp_path / "index"


def test_an_edit_is_built_once_and_both_replicas_serve_it(folder: tuple[Path, Path], start: Any) -> None:
    articles, index = folder
    first = build_as_the_command_line_does(articles, index)
    replicas = start(2)
    assert all(r.serves("vpn-connect", "vpn not working") for r in replicas)
    assert list(builds(index)) == [first]  # the folder was already built: neither builds at start-up

    write(articles, "printing/toner-low.md", TONER)
    wait_until(
        lambda: all(r.serves("toner-low", "toner-low question") for r in replicas), CHANGE_SECONDS, "the new article"
    )

    new = set(builds(index)) - {first}
    assert len(new) == 1, f"one build for one change, got {sorted(new)}"
    assert {r.ask("toner-low question")["build"] for r in replicas} == new
    assert layout.current_build(index).name in new


def test_a_builder_killed_mid_build_leaves_the_old_build_serving_and_the_other_replica_builds(
    folder: tuple[Path, Path], start: Any, tmp_path: Path
) -> None:
    articles, index = folder
    first = build_as_the_command_line_does(articles, index)
    replicas = start(2)
    assert all(r.serves("vpn-connect", "vpn not working") for r in replicas)

    (tmp_path / STALL_FILE).touch()
    write(
        articles,
        "printing/toner-low.md",
        TONER.replace("  - toner-low question\n", f"  - toner-low question\n  - {STALL_WORD} toner\n"),
    )
    wait_until(lambda: any(tmp_path.glob(f"{STALLED_PREFIX}*")), CHANGE_SECONDS, "one replica to start building")
    (tmp_path / STALL_FILE).unlink()  # the next build goes through
    [stalled] = tmp_path.glob(f"{STALLED_PREFIX}*")
    builder = next(r for r in replicas if r.pid == int(stalled.name.removeprefix(STALLED_PREFIX)))
    other = next(r for r in replicas if r is not builder)

    # mid-build: both still answer from the old build, and the other builds nothing meanwhile
    for replica in replicas:
        reply = replica.ask("toner-low question")
        assert (reply["build"], reply["answer"]) == (first, [])
    assert layout.current_build(index).name == first

    builder.proc.send_signal(signal.SIGKILL)
    builder.proc.wait()
    wait_until(
        lambda: other.serves("toner-low", "toner-low question"),
        CHANGE_SECONDS,
        "the other replica to build the change",
        died=exited(other.proc, "the other replica"),
    )
    new = {name: pid for name, pid in builds(index).items() if name != first}
    assert new == {layout.current_build(index).name: other.pid}
    with layout.build_lock(index, wait=False) as held:
        assert held  # nobody holds the lock: the killed builder's went with it


@pytest.mark.parametrize("index_before", ["none", "of an older folder"])
def test_replicas_started_together_build_once(folder: tuple[Path, Path], start: Any, index_before: str) -> None:
    articles, index = folder
    if index_before != "none":
        build_as_the_command_line_does(articles, index)
    before = set(builds(index))
    write(articles, "printing/toner-low.md", TONER)

    replicas = start(2)
    assert all(r.serves("toner-low", "toner-low question") for r in replicas)
    new = set(builds(index)) - before
    assert len(new) == 1, f"one build for two start-ups, got {sorted(new)}"
