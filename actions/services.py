"""What the actions use, one of each per action-server process: the knowledge base, the service
desk, the outbox with its delivery worker, and the triage router.

Created on first use from configuration, or handed in by ``use()`` (start-up and tests).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

from bot.identity import IdentitySeal
from bot.knowledge import KnowledgeBase, KnowledgeConfig
from bot.knowledge.embedding import SentenceTransformerEmbedder
from bot.knowledge.watch import ArticleWatcher
from bot.paths import KNOWLEDGE_BASE_DIR
from bot.rasa_api import PUSH_CHANNELS, RasaNotifier
from bot.secret import install_log_redaction
from bot.servicedesk import ServiceDesk, create_service_desk
from bot.servicedesk.outbox import Entry, Outbox
from bot.servicedesk.registry import create_outbox
from bot.servicedesk.triage import Router
from bot.servicedesk.worker import OutboxWorker, RetryPolicy

ROUTING_SETTING = "ASKIT_ROUTING_FILE"
TICKET_WAIT_SETTING = "ASKIT_TICKET_WAIT"  # seconds a ticket's reply waits for the desk's reference
DEFAULT_TICKET_WAIT = 4.0

_lock = threading.Lock()
_kb: KnowledgeBase | None = None
_desk: ServiceDesk | None = None
_outbox: Outbox | None = None
_worker: OutboxWorker | None = None
_router: Router | None = None
_seal: IdentitySeal | None = None


def use(
    kb: KnowledgeBase | None = None,
    desk: ServiceDesk | None = None,
    outbox: Outbox | None = None,
    worker: OutboxWorker | None = None,
    seal: IdentitySeal | None = None,
) -> None:
    global _kb, _desk, _outbox, _worker, _seal
    with _lock:
        _kb, _desk, _outbox, _worker, _seal = kb, desk, outbox, worker, seal


def knowledge_base() -> KnowledgeBase:
    global _kb
    with _lock:
        if _kb is None:
            config = KnowledgeConfig.load()
            _kb = KnowledgeBase.from_config(config, SentenceTransformerEmbedder())
        return _kb


def service_desk() -> ServiceDesk:
    global _desk
    with _lock:
        if _desk is None:
            _desk = create_service_desk()
        return _desk


def outbox() -> Outbox:
    global _outbox
    with _lock:
        if _outbox is None:
            _outbox = create_outbox()
        return _outbox


def worker() -> OutboxWorker | None:
    """The delivery worker of this process, once started; None where another process delivers."""
    return _worker


def router() -> Router:
    global _router
    with _lock:
        if _router is None:
            _router = Router.load(Path(os.environ.get(ROUTING_SETTING) or KNOWLEDGE_BASE_DIR / "routing.yml"))
        return _router


def identity_seal() -> IdentitySeal:
    """Opens the identities the channels sealed (ASKIT_IDENTITY_KEY, shared with the Rasa server)."""
    global _seal
    with _lock:
        if _seal is None:
            _seal = IdentitySeal.from_env()
        return _seal


def ticket_wait() -> float:
    return float(os.environ.get(TICKET_WAIT_SETTING) or DEFAULT_TICKET_WAIT)


def _push_news(box: Outbox) -> Callable[[Entry], None] | None:
    """Tell users of channels that can send later about their request as soon as it settles,
    unless the turn that raised it already did (it waits up to ASKIT_TICKET_WAIT seconds)."""
    notifier = RasaNotifier.from_env(os.environ, delay=ticket_wait() + 1)
    if notifier is None:
        return None

    def push(entry: Entry) -> None:
        if entry.channel in PUSH_CHANNELS:
            notifier.notify_later(entry.conversation_id, lambda: box.untold(entry.correlation_id))

    return push


def warm_up() -> None:
    """Load configuration, the index and the model now; raises the package errors if any is wrong.

    Starts the outbox worker, unless ASKIT_OUTBOX_WORKER=0 (another process delivers), and, unless
    ASKIT_WATCH_ARTICLES=0, rebuilds the index whenever an article changes.
    """
    global _worker
    install_log_redaction()
    identity_seal()
    kb = knowledge_base()
    kb.search("warm up")
    desk, box = service_desk(), outbox()
    router()
    if os.environ.get("ASKIT_OUTBOX_WORKER", "1") != "0":
        _worker = OutboxWorker(box, desk, RetryPolicy.from_env(os.environ), _push_news(box)).start()
    if os.environ.get("ASKIT_WATCH_ARTICLES", "1") != "0":
        ArticleWatcher(KnowledgeConfig.load(), kb.embedder).start()
