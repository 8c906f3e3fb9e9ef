"""Every public endpoint of the real servers fuzzed (issue 10), on one stack with the Teams channel
(a fake Bot Framework) and the dev token endpoint on: the review's findings and a few hundred
hostile requests that hypothesis draws with a fixed seed (tests/e2e/fuzzing.py). No request may get
a 5xx other than a deliberate 503, cause a traceback, or let in a stranger; afterwards both servers
are up, within 10% of their memory after warm-up, and still answer. ``benchmarks/fuzz.py`` sends
10,000 and more of the same."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.channels.fake_botframework import FakeBotFramework
from tests.e2e.conftest import Chat
from tests.e2e.fuzz_probes import draw
from tests.e2e.fuzz_run import report, run, settle, share
from tests.e2e.fuzzing import Fuzz, ask_password, warm_up
from tests.e2e.server_watch import ServerWatch

# Generated requests per target, on top of its named probes (about 170): about 570 requests in all.
EXAMPLES = share(400)
RSS_GROWTH = 0.10  # the bound on memory after the fuzzing, over memory after warm-up
RSS_SLACK_MB = 40.0  # and allocator noise: a few arenas, a cache filled on first use


@dataclass
class Fuzzed:
    fuzz: Fuzz
    watch: ServerWatch
    warm_rss: dict[str, float]


@pytest.fixture(scope="module")
def fuzzed(dev_teams_chat: Chat, bf: FakeBotFramework) -> Iterator[Fuzzed]:
    fuzz = Fuzz(dev_teams_chat, bf)  # the shared stack with Teams and development mode (conftest.py)
    warm_up(fuzz)
    watch = ServerWatch(fuzz.chat.stack)
    try:
        yield Fuzzed(fuzz, watch, watch.rss_mb())
    finally:
        watch.close()


def test_every_target_is_fuzzed(fuzzed: Fuzzed) -> None:
    assert set(EXAMPLES) == set(fuzzed.fuzz.targets)


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_hostile_requests_get_no_5xx_no_traceback_and_let_no_stranger_in(fuzzed: Fuzzed, name: str) -> None:
    down = fuzzed.fuzz.down()
    assert down is None, f"{down} before this target (see the targets before it)"
    target = fuzzed.fuzz.targets[name]
    results = run(fuzzed.fuzz, name, [*target.named, *draw(target.probes, EXAMPLES[name])], fuzzed.watch)
    failed = [r for r in results if r.failed]
    assert not failed, f"{len(failed)} of {len(results)} requests failed:\n{report(failed)}"


def test_afterwards_both_servers_are_up_lean_quiet_and_still_answer(fuzzed: Fuzzed) -> None:
    stack = fuzzed.fuzz.chat.stack
    down = fuzzed.fuzz.down()
    assert down is None, down
    settle(stack)
    rss = fuzzed.watch.rss_mb()
    grown = {
        name: f"{fuzzed.warm_rss[name]:.0f} MB -> {now:.0f} MB"
        for name, now in rss.items()
        if now > fuzzed.warm_rss[name] * (1 + RSS_GROWTH) + RSS_SLACK_MB
    }
    tracebacks = fuzzed.watch.all_tracebacks()
    answer = ask_password(fuzzed.fuzz)
    assert stack.first_exited() is None
    assert answer == {"decision": "answer", "article_id": "password-reset"}
    assert not grown, f"memory grew by more than {RSS_GROWTH:.0%} + {RSS_SLACK_MB:.0f} MB: {grown}"
    assert not tracebacks, "\n".join(tracebacks)
