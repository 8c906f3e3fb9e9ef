"""A fake Bot Framework on loopback, for the Teams tests: the OpenID metadata and signing keys the
bot verifies tokens with, an Azure AD token endpoint, and a connector (``serviceUrl``) that records
every activity the bot sends and answers the conversation members API.

Standard library, PyYAML, PyJWT and cryptography only: the same fake serves the channel's unit tests (Rasa
environment) and the end-to-end tests (action-server environment).
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import jwt
import yaml
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
APP_ID = "0f3a9d6e-5a7b-4c1e-8d2f-6b1e9c0a7d11"
APP_PASSWORD = "fake-bot-client-secret-5f2e"  # what the app registration's client secret would be
ISSUER = "https://api.botframework.com"
TEAMS_CHANNEL = "msteams"
NORTHBROOK_AAD = "6f1b8c2e-0d4a-4b7e-9a51-3c2d1e0f4a01"  # knowledge_base/tenants.yml
RIVERSIDE_AAD = "6f1b8c2e-0d4a-4b7e-9a51-3c2d1e0f4a02"
STRANGER_AAD = "99999999-9999-4999-9999-999999999999"  # not a partner council


@dataclass
class SigningKey:
    kid: str
    private: rsa.RSAPrivateKey = field(repr=False)
    endorsements: tuple[str, ...] = (TEAMS_CHANNEL,)

    def jwk(self) -> dict[str, Any]:
        public = json.loads(RSAAlgorithm.to_jwk(self.private.public_key()))
        return {**public, "kid": self.kid, "use": "sig", "endorsements": list(self.endorsements)}


def new_key(endorsements: tuple[str, ...] = (TEAMS_CHANNEL,)) -> SigningKey:
    return SigningKey(uuid.uuid4().hex, rsa.generate_private_key(public_exponent=65537, key_size=2048), endorsements)


@dataclass
class Sent:
    conversation_id: str
    activity: dict[str, Any]
    at: float = field(default_factory=time.monotonic)


class FakeBotFramework:
    def __init__(self, app_id: str = APP_ID, app_password: str = APP_PASSWORD) -> None:
        self.app_id, self.app_password = app_id, app_password
        self.keys = [new_key()]
        self.members: dict[str, dict[str, Any]] = {}  # user id -> TeamsChannelAccount
        self.sent: list[Sent] = []  # each with the id the connector gave it
        self.updates: list[Sent] = []  # activities replaced in place (PUT), in order
        self.token_requests: list[dict[str, str]] = []
        self.key_fetches = 0
        self.connector_status: int | None = None  # answer the connector's calls with this, when set
        self.throttled: list[Sent] = []  # activities refused with 429 (see throttle), when refused
        self.gone: set[str] = set()  # conversations deleted since: posting into them answers 404
        self._throttle_left, self._retry_after = 0, "1"
        self._issued: set[str] = set()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, name="fake-botframework", daemon=True
        )

    # --- lifecycle and addresses -------------------------------------------------------------
    def start(self) -> FakeBotFramework:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def metadata_url(self) -> str:
        return f"{self.url}/v1/.well-known/openidconfiguration"

    @property
    def service_url(self) -> str:
        return f"{self.url}/teams/"  # Teams' own looks like https://smba.trafficmanager.net/uk/

    def credentials(self, **extra: Any) -> dict[str, Any]:
        """The channel's settings as credentials.yml would give them."""
        return {
            "app_id": self.app_id,
            "app_password": self.app_password,
            "openid_metadata_url": self.metadata_url,
            "login_url": self.url,
            **extra,
        }

    def credentials_file(self, path: Path, **extra: Any) -> Path:
        """The project's credentials.yml with the Teams channel added, pointing at this fake."""
        channels = yaml.safe_load((ROOT / "credentials.yml").read_text(encoding="utf-8")) or {}
        channels["bot.channels.teams.TeamsInput"] = self.credentials(**extra)
        path.write_text(yaml.safe_dump(channels), encoding="utf-8")
        return path

    # --- what the bot is sent -------------------------------------------------------------------
    def add_user(
        self, name: str, email: str, aad_tenant: str = NORTHBROOK_AAD, user_id: str | None = None
    ) -> dict[str, Any]:
        """A Teams user the members API knows; returns their channel account as activities carry it."""
        user_id = user_id or f"29:{secrets.token_hex(12)}"
        aad = str(uuid.uuid4())
        self.members[user_id] = {
            "id": user_id,
            "name": name,
            "aadObjectId": aad,
            "email": email,
            "userPrincipalName": email,
            "tenantId": aad_tenant,
            "userRole": "user",
        }
        return {"id": user_id, "name": name, "aadObjectId": aad}

    def activity(
        self,
        user: Mapping[str, Any],
        text: str | None = None,
        value: Mapping[str, Any] | None = None,
        kind: str = "message",
        aad_tenant: str = NORTHBROOK_AAD,
        **extra: Any,
    ) -> dict[str, Any]:
        """A Teams activity from ``user`` to the bot in their personal chat."""
        activity: dict[str, Any] = {
            "type": kind,
            "id": f"1{int(time.time() * 1000)}{secrets.randbelow(10**6):06d}",
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
            "serviceUrl": self.service_url,
            "channelId": TEAMS_CHANNEL,
            "from": dict(user),
            "conversation": {
                "conversationType": "personal",
                "tenantId": aad_tenant,
                "id": f"a:{user['id'][3:]}-personal",
            },
            "recipient": {"id": f"28:{self.app_id}", "name": "AskIT"},
            "channelData": {"tenant": {"id": aad_tenant}},
            "locale": "en-GB",
        }
        if text is not None:
            activity["text"] = text
            activity["textFormat"] = "plain"
        if value is not None:
            activity["value"] = dict(value)
        activity.update(extra)
        return activity

    def throttle(self, times: int, retry_after: str = "1") -> None:
        """Refuse the next ``times`` activities with 429 Too Many Requests and this Retry-After, as
        the connector does when a bot sends faster than Teams allows."""
        with self._lock:
            self._throttle_left, self._retry_after = times, retry_after

    def token(self, service_url: str | None = None, key: SigningKey | None = None, **claims: Any) -> str:
        """A token as the Bot Framework signs it for a request to the bot; ``claims`` override."""
        now = int(time.time())
        body: dict[str, Any] = {
            "serviceurl": self.service_url if service_url is None else service_url,
            "nbf": now - 5,
            "exp": now + 3600,
            "iss": ISSUER,
            "aud": self.app_id,
        }
        body.update(claims)
        body = {k: v for k, v in body.items() if v is not None}
        key = key or self.keys[-1]
        return jwt.encode(body, key.private, algorithm="RS256", headers={"kid": key.kid})

    def rotate(self) -> SigningKey:
        """Start signing with a new key (published at once, as the Bot Framework rolls keys over)."""
        key = new_key()
        self.keys.append(key)
        return key

    def replies(self, conversation_id: str | None = None, kind: str = "message") -> list[dict[str, Any]]:
        with self._lock:
            return [
                s.activity
                for s in self.sent
                if s.activity.get("type") == kind and conversation_id in (None, s.conversation_id)
            ]

    def latest(self, activity_id: str) -> dict[str, Any]:
        """A sent activity as the user sees it now: its last update, or as it was sent."""
        with self._lock:
            versions = [s.activity for s in [*self.sent, *self.updates] if s.activity.get("id") == activity_id]
        return versions[-1]

    def wait_for(self, condition: Callable[[], bool], timeout: float = 60, what: str = "the bot") -> None:
        wait_until(condition, timeout, what)

    # --- HTTP ---------------------------------------------------------------------------------
    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

            def _send(self, status: int, body: Any, headers: Mapping[str, str] | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _authorised(self) -> bool:
                token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
                with fake._lock:
                    ok = token in fake._issued
                if not ok:
                    self._send(401, {"error": {"code": "Unauthorized", "message": "bad bearer token"}})
                return ok

            def do_GET(self) -> None:
                path = urlsplit(self.path).path
                if path == "/v1/.well-known/openidconfiguration":
                    self._send(
                        200,
                        {
                            "issuer": ISSUER,
                            "authorization_endpoint": "https://invalid.botframework.com",
                            "jwks_uri": f"{fake.url}/v1/.well-known/keys",
                            "id_token_signing_alg_values_supported": ["RS256"],
                            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
                        },
                    )
                elif path == "/v1/.well-known/keys":
                    with fake._lock:
                        fake.key_fetches += 1
                        keys = [k.jwk() for k in fake.keys]
                    self._send(200, {"keys": keys})
                elif path.startswith("/teams/v3/conversations/") and "/members/" in path:
                    if not self._authorised():
                        return
                    member = fake.members.get(unquote(path.rsplit("/", 1)[1]))
                    if member is None:
                        self._send(404, {"error": {"code": "MemberNotFoundInConversation"}})
                    else:
                        self._send(200, member)
                else:
                    self._send(404, {"error": "not found"})

            def do_POST(self) -> None:
                path = urlsplit(self.path).path
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if path.endswith("/oauth2/v2.0/token"):
                    form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                    with fake._lock:
                        fake.token_requests.append({**form, "tenant": path.split("/")[1]})
                    if (form.get("client_id"), form.get("client_secret")) != (fake.app_id, fake.app_password):
                        self._send(401, {"error": "invalid_client"})
                        return
                    token = secrets.token_urlsafe(24)
                    with fake._lock:
                        fake._issued.add(token)
                    self._send(200, {"token_type": "Bearer", "expires_in": 3599, "access_token": token})
                elif path.startswith("/teams/v3/conversations/") and path.endswith("/activities"):
                    if not self._authorised():
                        return
                    if fake.connector_status is not None:
                        self._send(fake.connector_status, {"error": {"code": "ServiceError"}})
                        return
                    conversation = unquote(path.split("/")[4])
                    if conversation in fake.gone:
                        self._send(404, {"error": {"code": "ConversationNotFound"}})
                        return
                    with fake._lock:
                        refused = fake._throttle_left > 0
                        if refused:
                            fake._throttle_left -= 1
                            fake.throttled.append(Sent(conversation, json.loads(raw)))
                    if refused:
                        self._send(429, {"error": {"code": "TooManyRequests"}}, {"Retry-After": fake._retry_after})
                        return
                    with fake._lock:
                        activity_id = f"reply-{len(fake.sent) + 1}"
                        fake.sent.append(Sent(conversation, {**json.loads(raw), "id": activity_id}))
                    self._send(201, {"id": activity_id})
                else:
                    self._send(404, {"error": "not found"})

            def do_PUT(self) -> None:
                parts = urlsplit(self.path).path.split("/")
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if parts[1:4] != ["teams", "v3", "conversations"] or len(parts) != 7 or parts[5] != "activities":
                    self._send(404, {"error": "not found"})
                    return
                if not self._authorised():
                    return
                conversation, activity_id = unquote(parts[4]), unquote(parts[6])
                with fake._lock:
                    known = any((s.conversation_id, s.activity["id"]) == (conversation, activity_id) for s in fake.sent)
                    if known:
                        fake.updates.append(Sent(conversation, json.loads(raw)))
                if known:
                    self._send(200, {"id": activity_id})
                else:
                    self._send(404, {"error": {"code": "ActivityNotFoundInConversation"}})

        return Handler
