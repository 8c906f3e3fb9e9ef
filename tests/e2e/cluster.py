"""AskIT scaled out on one machine, for the scale-out tests (issue 15): two replicas, each a Rasa
server and an action server, behind HAProxy, sharing PostgreSQL (conversations, events, the outbox,
the back office's records) and Redis (Rasa's lock store, the channels' shared state), all Debian's
own servers on loopback (``make system-deps``).

    clients ──> HAProxy :rasa ──(random)──> Rasa 0 | Rasa 1 ──> HAProxy :actions ──(random)──> actions 0 | actions 1

Each reply says which Rasa replica made it (header ``X-AskIT-Replica``: ``rasa0`` or ``rasa1``).
Both replicas read one articles folder and one index, as replicas on a shared volume would.
"""

from __future__ import annotations

import secrets
import shutil
import signal
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from bot.channels.widget_config import ORIGINS_SETTING, SECRET_SETTING
from bot.knowledge.config import KnowledgeConfig
from bot.launcher import (
    ACTION_READY_TIMEOUT,
    ACTION_SERVER,
    DEFAULT_CREDENTIALS,
    HOST,
    MAX_REQUEST_BYTES,
    Stack,
    free_port,
)
from bot.settings import REST_TOKEN_SETTING
from bot.supervisor import Server
from tests.e2e.conftest import REST_TOKEN, WIDGET_SECRET
from tests.e2e.intranet import intranet_origin
from tests.e2e.server_watch import ServerWatch
from tests.index_copy import copy_index
from tests.postgres import PostgresServer
from tests.redis_server import RedisServer
from tests.waiting import exited, wait_until

REPLICAS = 2
# Shared by every replica, each a PostgreSQL database of its own.
DATABASE_SETTINGS = ("TRACKER_DB_URL", "EVENTS_DB_URL", "ASKIT_OUTBOX_DB", "ASKIT_BACKOFFICE_DB")
REPLICA_HEADER = "X-AskIT-Replica"
PROXY_START_TIMEOUT = 15.0

HAPROXY_CONFIG = """\
global
    maxconn 2000

defaults
    mode http
    timeout connect 2s
    timeout client 120s
    timeout server 120s
    # A replica that refuses the connection (killed, restarting): the request goes to the other.
    retries 3
    option redispatch

frontend rasa
    bind {host}:{rasa_port}
    # A body larger than the servers take is refused here, as in deploy/haproxy.cfg: refused by the
    # server behind, a client still sending it would see its connection reset instead of the 413.
    http-request deny deny_status 413 if {{ req.hdr_val(content-length) gt {max_bytes} }}
    # socket.io's long-polling needs each request of a session at the replica that holds it: as in
    # deploy/haproxy.cfg, the session -> replica pairs are learnt from each handshake's io cookie.
    acl socketio path_beg /socket.io/
    use_backend sockets if socketio
    default_backend rasa

backend rasa
    balance random
    http-response set-header {header} %[srv_name]
{rasa_servers}

backend sockets
    balance random
    stick-table type string len 64 size 100k expire 1h
    stick store-response res.cook(io)
    stick match url_param(sid)
    timeout tunnel 1h
    http-response set-header {header} %[srv_name]
{rasa_servers}

frontend actions
    bind {host}:{action_port}
    default_backend actions

backend actions
    balance random
{action_servers}
"""


class Cluster:
    """Two replicas behind HAProxy; ``url`` is where clients (and the replicas, for each other) go."""

    def __init__(
        self,
        work: Path,
        postgres: PostgresServer,
        redis: RedisServer,
        extra_env: dict[str, str],
        credentials: Path = DEFAULT_CREDENTIALS,
    ) -> None:
        self.work, self.postgres, self.redis = work, postgres, redis
        self.proxy_port, self.proxy_action_port = free_port(), free_port()
        self.url = f"http://{HOST}:{self.proxy_port}"
        self.articles_dir, index_dir = work / "articles", work / "index"
        config = KnowledgeConfig.load()
        shutil.copytree(config.articles_dir, self.articles_dir)
        copy_index(config.index_dir, index_dir)
        suffix = secrets.token_hex(4)
        self.databases = {setting: f"askit_{setting.lower()}_{suffix}" for setting in DATABASE_SETTINGS}
        shared = {
            **{setting: postgres.create_database(name) for setting, name in self.databases.items()},
            "REDIS_URL": redis.url(),
            "ASKIT_ARTICLES_DIR": str(self.articles_dir),
            "ASKIT_INDEX_DIR": str(index_dir),
            "ASKIT_LOCAL_DESK_DB": str(work / "desk.sqlite"),
            SECRET_SETTING: WIDGET_SECRET,
            ORIGINS_SETTING: intranet_origin(),
            REST_TOKEN_SETTING: REST_TOKEN,
            **extra_env,
        }
        # One set of secrets for every replica: any Rasa replica may call any action server, and an
        # action server may reach either Rasa replica through the proxy.
        api_token, action_token = "-" + secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        identity_key = secrets.token_urlsafe(32)
        self.replicas = [
            Stack(
                rasa_port=free_port(),
                action_port=free_port(),
                log_dir=work / f"logs{i}",
                credentials=credentials,
                extra_env=shared,
                identity_key=identity_key,
                action_endpoint_port=self.proxy_action_port,
                rasa_api_url=self.url,
                api_token=api_token,
                action_token=action_token,
            )
            for i in range(REPLICAS)
        ]
        self._proxy: subprocess.Popen[bytes] | None = None

    @property
    def api_token(self) -> str:
        return self.replicas[0].api_token

    def database(self, setting: str) -> str:
        """The name of the PostgreSQL database behind ``setting`` (for ``PostgresServer.query``)."""
        return self.databases[setting]

    def start(self) -> Cluster:
        try:
            self._start_proxy()
            with ThreadPoolExecutor(REPLICAS) as starting:  # side by side: each waits for its models
                list(starting.map(Stack.start, self.replicas))
        except BaseException:
            self.stop()
            raise
        return self

    def _start_proxy(self) -> None:
        def servers(kind: str, ports: list[int], check: str) -> str:
            return "\n".join(f"    server {kind}{i} {HOST}:{port}{check}" for i, port in enumerate(ports))

        config = self.work / "haproxy.cfg"
        config.write_text(
            HAPROXY_CONFIG.format(
                host=HOST,
                header=REPLICA_HEADER,
                max_bytes=MAX_REQUEST_BYTES,
                rasa_port=self.proxy_port,
                action_port=self.proxy_action_port,
                rasa_servers=servers("rasa", [r.rasa_port for r in self.replicas], ""),
                action_servers=servers("actions", [r.action_port for r in self.replicas], ""),
            )
        )
        haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
        subprocess.run([haproxy, "-c", "-q", "-f", str(config)], check=True)
        log = (self.work / "haproxy.log").open("wb")
        self._proxy = subprocess.Popen([haproxy, "-db", "-f", str(config)], stdout=log, stderr=subprocess.STDOUT)
        wait_until(
            lambda: _listening(self.proxy_port) and _listening(self.proxy_action_port),
            PROXY_START_TIMEOUT,
            "HAProxy to listen",
            interval=0.05,
            died=exited(self._proxy, "haproxy"),
        )

    def kill_action_server(self, replica: int) -> None:
        """SIGKILL replica ``replica``'s action server, as a crash would; it stays down until
        ``restart_action_server``."""
        process = self._action_server(replica).proc
        assert process is not None and process.poll() is None
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def restart_action_server(self, replica: int) -> None:
        """Let replica ``replica``'s supervisor restart its killed action server; wait until it is ready."""
        stack, server = self.replicas[replica], self._action_server(replica)

        def back() -> bool:
            stack.supervise_once()
            return server.proc is not None and server.proc.poll() is None and server.ready_at is not None

        wait_until(back, ACTION_READY_TIMEOUT, "the killed action server to be restarted", interval=0.2)

    def _action_server(self, replica: int) -> Server:
        supervisor = self.replicas[replica]._supervisor
        assert supervisor is not None
        return supervisor.servers[ACTION_SERVER]

    def stop(self) -> None:
        for replica in self.replicas:
            replica.stop()
        if self._proxy is not None:
            self._proxy.terminate()
            self._proxy.wait(timeout=10)
            self._proxy = None


@dataclass
class Front:
    """The cluster as the fuzz targets see one stack (tests/e2e/fuzzing.py): the balancer's ports,
    replica 0's settings (every replica has the same), and any replica that stopped."""

    cluster: Cluster
    log_dir: None = None

    @property
    def rasa_port(self) -> int:
        return self.cluster.proxy_port

    @property
    def action_port(self) -> int:
        return self.cluster.proxy_action_port

    @property
    def rasa_url(self) -> str:
        return self.cluster.url

    def env(self) -> dict[str, str]:
        return self.cluster.replicas[0].env()

    def first_exited(self) -> str | None:
        stopped = ((i, r.first_exited()) for i, r in enumerate(self.cluster.replicas))
        return next((f"{name} of replica {i}" for i, name in stopped if name), None)


class Watches:
    """``ServerWatch`` over every replica: memory and new tracebacks, named by replica."""

    def __init__(self, cluster: Cluster) -> None:
        self.watches = [ServerWatch(replica) for replica in cluster.replicas]

    def rss_mb(self) -> dict[str, float]:
        return {f"{name} {i}": mb for i, w in enumerate(self.watches) for name, mb in w.rss_mb().items()}

    def new_tracebacks(self) -> list[str]:
        return [f"replica {i}: {line}" for i, w in enumerate(self.watches) for line in w.new_tracebacks()]

    def all_tracebacks(self) -> list[str]:
        return [f"replica {i}: {line}" for i, w in enumerate(self.watches) for line in w.all_tracebacks()]

    def close(self) -> None:
        for watch in self.watches:
            watch.close()


def _listening(port: int) -> bool:
    import socket

    try:
        with socket.create_connection((HOST, port), timeout=0.5):
            return True
    except OSError:
        return False
