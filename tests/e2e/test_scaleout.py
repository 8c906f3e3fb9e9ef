"""AskIT on two replicas behind HAProxy, sharing PostgreSQL and Redis (issue 15, section 3;
tests/e2e/cluster.py): turns spread over both Rasa replicas at random keep every conversation's
tracker complete and in order, even when one person's messages arrive at both replicas at once; a
desk outage with an action server killed mid-delivery ends in exactly one ticket per request; a
Teams user whose turns reach different replicas gets each answer once; and the fuzz suite of issue
10 (tests/e2e/test_fuzz.py) passes through the balancer."""

from __future__ import annotations

import json
import random
import threading
import types
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, cast

import pytest
import requests

from bot.launcher import Stack
from bot.paths import ROOT
from bot.settings import DEV_MODE_SETTING
from tests.channels.fake_botframework import NORTHBROOK_AAD, FakeBotFramework
from tests.e2e.cluster import REPLICA_HEADER, Cluster, Front, Watches
from tests.e2e.conftest import REST_TOKEN, TEAMS_PASSWORD_SETTING, Chat
from tests.e2e.fuzz_probes import draw
from tests.e2e.fuzz_run import report, run, share
from tests.e2e.fuzzing import Fuzz, ask_password, warm_up
from tests.e2e.teams_user import Teams, askit
from tests.e2e.ticket_flow import complete_ticket_flow
from tests.postgres import PostgresServer
from tests.redis_server import RedisServer
from tests.servicedesk.fake_servicenow import PASSWORD, USER, FakeServiceNow
from tests.waiting import wait_until

pytestmark = pytest.mark.own_stack  # starts servers of its own: the second end-to-end process

CONVERSATIONS = 100
AT_ONCE = 20
TICKETS = 50
TIMEOUT = 90
# The fuzz suite's named probes (about 170) and this many drawn ones, split between its targets.
FUZZ_EXAMPLES = share(200)
DEV_SPLIT = ROOT / "benchmarks" / "data" / "kb-questions-dev.jsonl"
QUESTIONS = [json.loads(line)["text"] for line in DEV_SPLIT.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def desk() -> Iterator[FakeServiceNow]:
    fake = FakeServiceNow().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def cluster(
    postgres: PostgresServer,
    redis_server: RedisServer,
    desk: FakeServiceNow,
    bf: FakeBotFramework,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Cluster]:
    work = tmp_path_factory.mktemp("scaleout")
    settings = {
        "ASKIT_SERVICE_DESK": "servicenow",
        "ASKIT_SERVICENOW_URL": desk.url,
        "ASKIT_SERVICENOW_USER": USER,
        "ASKIT_SERVICENOW_PASSWORD": PASSWORD,
        "ASKIT_DESK_TIMEOUT": "2",
        "ASKIT_TICKET_WAIT": "1",
        "ASKIT_OUTBOX_LEASE": "3",
        "ASKIT_OUTBOX_BACKOFF_BASE": "0.1",
        "ASKIT_OUTBOX_BACKOFF_CAP": "1",
        "ASKIT_OUTBOX_POLL": "0.2",
        "ASKIT_OUTBOX_MAX_ATTEMPTS": "1000",
        TEAMS_PASSWORD_SETTING: bf.app_password,
        DEV_MODE_SETTING: "1",  # the dev token endpoint, one of the fuzz suite's targets
    }
    credentials = bf.credentials_file(work / "credentials.yml", app_password=f"${{{TEAMS_PASSWORD_SETTING}}}")
    cluster = Cluster(work, postgres, redis_server, settings, credentials=credentials).start()
    yield cluster
    cluster.stop()


class Person:
    """One member of staff on the REST channel, through the balancer."""

    def __init__(self, cluster: Cluster, sender: str) -> None:
        self.url, self.sender = f"{cluster.url}/webhooks/rest/webhook", sender
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {REST_TOKEN}"
        self.served_by: list[str] = []

    def say(self, text: str) -> list[dict[str, Any]]:
        reply = self.session.post(self.url, json={"sender": self.sender, "message": text}, timeout=TIMEOUT)
        reply.raise_for_status()
        self.served_by.append(reply.headers[REPLICA_HEADER])
        messages: list[dict[str, Any]] = reply.json()
        assert messages, f"{self.sender}: no reply to {text!r}"
        return messages


def tracker_events(cluster: Cluster, sender: str) -> list[dict[str, Any]]:
    reply = requests.get(
        f"{cluster.url}/conversations/{sender}/tracker", params={"token": cluster.api_token}, timeout=TIMEOUT
    )
    reply.raise_for_status()
    events: list[dict[str, Any]] = reply.json()["events"]
    return events


def turns_of(events: list[dict[str, Any]]) -> list[tuple[str, int]]:
    """Each user message with the number of bot messages before the next one: a tracker whose turns
    interleaved or lost events shows a message twice, a message missing, or a turn with no reply."""
    turns: list[tuple[str, int]] = []
    for event in events:
        if event["event"] == "user":
            turns.append((event["text"], 0))
        elif event["event"] == "bot" and turns:
            turns[-1] = (turns[-1][0], turns[-1][1] + 1)
    return turns


def test_turns_spread_over_both_replicas_keep_every_tracker_complete_and_in_order(cluster: Cluster) -> None:
    rng = random.Random(15)
    plans = {
        f"scale-{i:03d}": ["hello", rng.choice(QUESTIONS), rng.choice(QUESTIONS), "thanks"]
        for i in range(CONVERSATIONS)
    }

    def converse(sender: str) -> Person:
        person, texts = Person(cluster, sender), plans[sender]
        person.say(texts[0])
        if int(sender[-3:]) % 4 == 0:  # the same person's next two messages reach the servers at once
            with ThreadPoolExecutor(2) as pair:
                list(pair.map(person.say, texts[1:3]))
        else:
            person.say(texts[1])
            person.say(texts[2])
        person.say(texts[3])
        return person

    with ThreadPoolExecutor(AT_ONCE) as pool:
        people = list(pool.map(converse, plans))

    served = Counter(replica for p in people for replica in p.served_by)
    assert set(served) == {"rasa0", "rasa1"} and min(served.values()) > 100, served
    assert sum(len(set(p.served_by)) == 2 for p in people) > 50  # most conversations met both replicas
    for sender, texts in plans.items():
        turns = turns_of(tracker_events(cluster, sender))
        said = [text for text, _ in turns]
        assert sorted(said) == sorted(texts), f"{sender}: {said}"
        if int(sender[-3:]) % 4:
            assert said == texts, sender
        assert all(replies > 0 for _, replies in turns), f"{sender}: a turn without its reply: {turns}"


def test_a_desk_outage_and_a_killed_action_server_end_in_exactly_one_ticket_per_request(
    cluster: Cluster, desk: FakeServiceNow, postgres: PostgresServer
) -> None:
    desk.outage = 503
    raised: list[dict[str, Any]] = []
    lock = threading.Lock()

    def escalate(i: int) -> None:
        person = Person(cluster, f"outage-{i:03d}")
        custom = complete_ticket_flow(person.say, random.Random(i))
        assert custom is not None  # Person.say fails the test rather than return no reply
        with lock:
            raised.append(custom)

    with ThreadPoolExecutor(AT_ONCE) as pool:
        list(pool.map(escalate, range(TICKETS)))
    assert [c["flow"] for c in raised] == ["ticket_recorded"] * TICKETS  # kept, for when the desk is back
    outbox = cluster.database("ASKIT_OUTBOX_DB")
    assert postgres.query(outbox, "SELECT count(*) FROM outbox WHERE state <> 'delivered'") == str(TICKETS)
    assert desk.incidents == []

    # The desk comes back slowly: it creates each incident and answers too late, so deliveries are
    # in flight on both action servers when one of them is killed.
    desk.outage, desk.outage_methods = "accept-then-timeout", {"POST"}
    wait_until(lambda: len(desk.incidents) >= 5, TIMEOUT, "deliveries to reach the desk")
    cluster.kill_action_server(0)
    desk.outage, desk.outage_methods = None, None
    wait_until(
        lambda: postgres.query(outbox, "SELECT count(*) FROM outbox WHERE state = 'delivered'") == str(TICKETS),
        TIMEOUT,
        "every request delivered by the surviving action server",
    )
    correlations = Counter(incident["correlation_id"] for incident in desk.incidents)
    assert len(desk.incidents) == TICKETS and set(correlations.values()) == {1}
    cluster.restart_action_server(0)


def test_a_teams_user_whose_turns_reach_different_replicas_gets_each_answer_once(
    cluster: Cluster, bf: FakeBotFramework
) -> None:
    user = bf.add_user("Robin Hale", "robin.hale@northbrook.example")
    # The same person, posting to replica 0's and to replica 1's Rasa server directly.
    on = [Teams(types.SimpleNamespace(stack=r), bf, user, NORTHBROOK_AAD) for r in cluster.replicas]  # type: ignore[arg-type]
    first = on[0].say("the vpn won't connect from home")
    assert askit(first)["article_id"] == "vpn-connect" and len(on[0].replies()) == 1
    second = on[1].say("how do I reset my password")
    assert askit(second).get("article_id") == "password-reset" and len(on[1].replies()) == 2
    # Teams retries an activity it thinks went unanswered; the retry may reach the other replica.
    retried = on[1].activity("my printer is jammed")
    on[1].turn(retried)
    answered = len(on[0].replies())
    assert on[0].post(retried).status_code == 200  # already answered: not answered again
    assert on[0].post(retried).status_code == 200
    assert len(on[0].replies()) == answered == 3


@pytest.fixture(scope="module")
def fuzzed(cluster: Cluster, bf: FakeBotFramework) -> Iterator[tuple[Fuzz, Watches]]:
    """The fuzz suite's targets (tests/e2e/fuzzing.py), aimed at the balancer instead of one stack."""
    front = cast(Stack, Front(cluster))
    fuzz = Fuzz(Chat(front, cluster.work / "desk.sqlite", cluster.articles_dir), bf)
    warm_up(fuzz)
    watches = Watches(cluster)
    yield fuzz, watches
    watches.close()


@pytest.mark.parametrize("name", list(FUZZ_EXAMPLES))
def test_the_fuzz_suite_gets_no_5xx_no_traceback_and_lets_no_stranger_in_on_two_replicas(
    fuzzed: tuple[Fuzz, Watches], name: str
) -> None:
    fuzz, watches = fuzzed
    down = fuzz.down()
    assert down is None, f"{down} before this target (see the targets before it)"
    target = fuzz.targets[name]
    results = run(fuzz, name, [*target.named, *draw(target.probes, FUZZ_EXAMPLES[name])], watches)  # type: ignore[arg-type]
    failed = [r for r in results if r.failed]
    assert not failed, f"{len(failed)} of {len(results)} requests failed:\n{report(failed)}"
    assert ask_password(fuzz) == {"decision": "answer", "article_id": "password-reset"}
