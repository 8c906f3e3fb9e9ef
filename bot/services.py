"""What the action server's actions use, built once from configuration at start-up and handed to
each action (actions/__init__.py): the knowledge base, the ticket service over the desk and the
outbox, and the key that opens the identities the channels sealed. Tests build their own.

    ASKIT_TICKET_WAIT      seconds a turn waits for the desk's reference (default 4)
    ASKIT_ROUTING_FILE     the triage rules (default knowledge_base/routing.yml)
    ASKIT_CONTACTS_FILE    the desk's phone line and hours, and who handles what it does not
                           (default knowledge_base/contacts.yml)
    ASKIT_OUTBOX_WORKER    0: another process delivers the outbox (default 1: this one does)
    ASKIT_WATCH_ARTICLES   0: do not rebuild the index when an article changes, nor at start-up
                           (default 1; replicas sharing the index build it once, by lock)
    ASKIT_ACTION_THREADS   threads for the actions' blocking work: search, desk calls, outbox
                           writes (default 16; the event loop itself never blocks)
    ASKIT_INCIDENTS_FILE   how messages are matched to known incidents
                           (default knowledge_base/incidents.yml)

They are declared in ``SETTINGS`` and checked, with every other setting and file, before the
index and the model load.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bot.config import FILE, FLAG, SECONDS, Setting, count, read_settings
from bot.contacts import Contacts
from bot.handoff.environment import LiveChatEnvironment
from bot.handoff.settings import HandoffSettings
from bot.handoff.store import HandoffStore
from bot.identity import IdentitySeal
from bot.incidents.desk_notes import DeskNotes
from bot.incidents.matching import IncidentMatcher, load_matching
from bot.incidents.notifier import IncidentNotifier
from bot.incidents.store import IncidentStore
from bot.knowledge import KnowledgeBase, KnowledgeConfig
from bot.knowledge.embedding import SentenceTransformerEmbedder
from bot.knowledge.watch import ArticleWatcher
from bot.paths import KNOWLEDGE_BASE_DIR
from bot.periodic import Periodic
from bot.rasa_api import PUSH_CHANNELS, RasaNotifier
from bot.servicedesk.base import ServiceDesk
from bot.servicedesk.errors import ConfigError
from bot.servicedesk.outbox import Entry, Outbox
from bot.servicedesk.registry import create_outbox, create_service_desk
from bot.servicedesk.tickets import TicketService
from bot.servicedesk.triage import Router
from bot.servicedesk.worker import OutboxWorker, RetryPolicy

TICKET_WAIT_SETTING = "ASKIT_TICKET_WAIT"
DEFAULT_TICKET_WAIT = 4.0
ROUTING_SETTING = "ASKIT_ROUTING_FILE"
CONTACTS_SETTING = "ASKIT_CONTACTS_FILE"
WORKER_SETTING = "ASKIT_OUTBOX_WORKER"
WATCH_SETTING = "ASKIT_WATCH_ARTICLES"
THREADS_SETTING = "ASKIT_ACTION_THREADS"
INCIDENTS_SETTING = "ASKIT_INCIDENTS_FILE"
DEFAULT_THREADS = 16


@dataclass(frozen=True)
class Services:
    knowledge: KnowledgeBase
    tickets: TicketService
    seal: IdentitySeal
    contacts: Contacts
    watcher: ArticleWatcher | None = None  # rebuilds the index when an article changes
    # Live chat with a person (bot/handoff): where handoffs live, and handoff.yml.
    handoffs: HandoffStore | None = None
    live_chat: HandoffSettings | None = None
    # Known incidents (bot/incidents): their records (in the back office's database, beside the
    # handoffs), and the matcher that finds a message's, before the knowledge base.
    incidents: IncidentStore | None = None
    incident_matcher: IncidentMatcher | None = None
    # What runs in the background beside the outbox worker: naming affected people on incidents'
    # master tickets, telling subscribers of changes.
    jobs: tuple[Periodic, ...] = ()

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Services:
        """Everything, from configuration; raises the packages' errors (KnowledgeError,
        ServiceDeskError, IdentitySealError) naming what is wrong. Nothing runs until ``start``,
        but for the index's start-up build when the articles changed since the current build."""
        # Every setting and file first, so that a bad one stops the start before the index and the model load.
        settings = read_settings(env, SETTINGS, ConfigError)
        seal = IdentitySeal.from_env(env)
        config = KnowledgeConfig.load(env)
        router = Router.load(settings[ROUTING_SETTING])
        live_chat = LiveChatEnvironment.from_env(env)  # after routing.yml: it names its groups
        contacts = Contacts.load(settings[CONTACTS_SETTING])
        contacts.check_entries(config.tenants, None)  # the not-IT entries once the index is loaded, in start
        incident_matching = load_matching(settings[INCIDENTS_SETTING])
        policy = RetryPolicy.from_env(env)
        desk, outbox = create_service_desk(env), create_outbox(env)
        embedder = SentenceTransformerEmbedder()
        watcher = ArticleWatcher(config, embedder) if settings[WATCH_SETTING] else None
        if watcher is not None:
            watcher.start_up()  # before the index loads: one replica builds, the others wait for it
        kb = KnowledgeBase.from_config(config, embedder)
        wait = settings[TICKET_WAIT_SETTING]
        worker = None
        if settings[WORKER_SETTING]:
            worker = OutboxWorker(outbox, desk, policy, _push_news(outbox, env, wait))
        tickets = TicketService(desk, outbox, router, kb, wait, worker)
        matcher = IncidentMatcher.from_settings(kb.embedder, incident_matching, kb.vectors)
        incidents = IncidentStore.open(live_chat.database)
        handoffs = live_chat.open_store()
        jobs = _incident_jobs(incidents, desk, policy, env) if settings[WORKER_SETTING] else ()
        return cls(kb, tickets, seal, contacts, watcher, handoffs, live_chat.settings, incidents, matcher, jobs)

    def start(self) -> None:
        """Load the index and the model now (the first question is fast), then start delivering
        the outbox and watching the articles."""
        self.knowledge.search("warm up")
        self.contacts.check_entries(None, self.knowledge.index.elsewhere)
        if self.tickets.worker is not None:
            self.tickets.worker.start()
        if self.watcher is not None:
            self.watcher.start()
        for job in self.jobs:
            job.start()


SETTINGS = (
    Setting(
        TICKET_WAIT_SETTING,
        SECONDS,
        "seconds a turn waits for the desk's reference",
        default=f"{DEFAULT_TICKET_WAIT:g}",
    ),
    Setting(ROUTING_SETTING, FILE, "the triage rules", default=KNOWLEDGE_BASE_DIR / "routing.yml"),
    Setting(
        CONTACTS_SETTING,
        FILE,
        "the desk's phone line and hours, and who handles what it does not",
        default=KNOWLEDGE_BASE_DIR / "contacts.yml",
    ),
    Setting(WORKER_SETTING, FLAG, "0: another process delivers the outbox", default="1"),
    Setting(
        WATCH_SETTING,
        FLAG,
        "0: do not build the index at start-up or when an article changes (the replica only follows it)",
        default="1",
    ),
    Setting(THREADS_SETTING, count("threads"), "threads for the actions' blocking work", default=str(DEFAULT_THREADS)),
    Setting(
        INCIDENTS_SETTING,
        FILE,
        "how messages are matched to known incidents",
        default=KNOWLEDGE_BASE_DIR / "incidents.yml",
    ),
)
_DECLARED = {setting.name: setting for setting in SETTINGS}


def ticket_wait(env: Mapping[str, str]) -> float:
    return float(_DECLARED[TICKET_WAIT_SETTING].read(env, ConfigError))


def action_threads(env: Mapping[str, str]) -> int:
    return int(_DECLARED[THREADS_SETTING].read(env, ConfigError))


def _incident_jobs(
    store: IncidentStore, desk: ServiceDesk, policy: RetryPolicy, env: Mapping[str, str]
) -> tuple[Periodic, ...]:
    """The process that delivers the outbox also names affected people on master tickets, and
    (where it can reach the Rasa server) tells subscribers."""
    notes = Periodic("incident-desk-notes", DeskNotes(store, desk, policy).note_due, policy.idle_poll)
    rasa = RasaNotifier.from_env(env)
    if rasa is None:
        return (notes,)
    return notes, Periodic("incident-notifier", IncidentNotifier(store, rasa).push_due, policy.idle_poll)


def _push_news(outbox: Outbox, env: Mapping[str, str], wait: float) -> Callable[[Entry], None] | None:
    """Tell users of channels that can send later about their request as soon as it settles,
    unless the turn that raised it already did (it waits up to ASKIT_TICKET_WAIT seconds)."""
    notifier = RasaNotifier.from_env(env, delay=wait + 1)
    if notifier is None:
        return None

    def push(entry: Entry) -> None:
        if entry.channel in PUSH_CHANNELS:
            notifier.notify_later(entry.conversation_id, lambda: outbox.untold(entry.correlation_id))

    return push
