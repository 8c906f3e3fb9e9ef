"""Who is asking: the requester the actions put on tickets, from verified identity only.

A channel that verifies its users (Teams JWT, widget JWT) vouches for the identity it verified by
sealing it into the message metadata under ``IDENTITY_KEY``: an HMAC, with a key only the Rasa
server and the action server hold (``ASKIT_IDENTITY_KEY``, made by the launcher), over the channel's
name, the conversation and the identity. The actions believe an identity only with a valid seal, so
metadata a client sends (a REST body, a forged tracker) is never taken for a verified person, and a
sealed identity cannot be moved to another conversation. Without one the requester is
``<channel>:<sender id>``; in local or development use, ``ASKIT_DEV_EMAIL_DOMAIN`` gives that
sender the e-mail ``<sender id>@<domain>``.

The verified identity is a plain dict (``VerifiedIdentity``). The tenant (partner organisation) is,
in order: the ``tenant`` the channel verified (a widget token's claim) when ``knowledge_base/tenants.yml``
knows it, the Azure AD tenant (``aad_tenant_id``, Teams) listed there, or the e-mail's domain.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, TypedDict

from bot.config import (
    DOMAIN,
    GUID,
    TEXT,
    ConfigurationError,
    Field,
    checked_value,
    kind,
    matching,
    read_fields,
    read_yaml,
    shown_path,
)
from bot.paths import TENANTS_CONFIG
from bot.requester import Requester

IDENTITY_KEY = "askit_identity"
ALL_COUNCILS = "all"  # in a list of councils (tenants.yml ids): every council, and people of no known council
# Channels that verify a token before sealing an identity (bot/channels/teams.py, bot/channels/webchat.py).
VERIFIED_CHANNELS: frozenset[str] = frozenset({"teams", "webchat"})
DEV_DOMAIN_SETTING = "ASKIT_DEV_EMAIL_DOMAIN"
SEAL_KEY_SETTING = "ASKIT_IDENTITY_KEY"
MIN_SEAL_KEY_CHARS = 32
_LOCAL_PART = re.compile(r"[A-Za-z0-9._-]{1,64}")


def _is_mapping(value: Any) -> bool:
    return isinstance(value, dict)


class VerifiedIdentity(TypedDict, total=False):
    """What a verifying channel puts under ``IDENTITY_KEY``; ``id`` is required."""

    id: str  # stable per person: the Azure AD object id, or the widget token's subject
    email: str  # the UPN or e-mail address
    name: str
    tenant: str  # a partner organisation id from tenants.yml, when the token names one
    aad_tenant_id: str  # the Azure AD tenant the user signed in to (Teams)


class IdentitySealError(ValueError):
    """The sealing key is missing or too short; the message names the setting."""


class IdentitySeal:
    """Seals what a verifying channel vouches for, and opens such seals (see the module docstring)."""

    def __init__(self, key: str) -> None:
        if len(key) < MIN_SEAL_KEY_CHARS:
            raise IdentitySealError(
                f"{SEAL_KEY_SETTING} must be set to a random string of at least {MIN_SEAL_KEY_CHARS} characters, "
                "the same for the Rasa server and the action server (bot/launcher.py makes one per start)"
            )
        self._key = key.encode("utf-8")

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> IdentitySeal:
        return cls(env.get(SEAL_KEY_SETTING, "").strip())

    def __repr__(self) -> str:
        return "IdentitySeal(***)"

    def _mac(self, channel: str, sender_id: str, identity: Mapping[str, Any]) -> str:
        signed = json.dumps([channel, sender_id, dict(identity)], sort_keys=True, ensure_ascii=True)
        return hmac.new(self._key, signed.encode("ascii"), hashlib.sha256).hexdigest()

    def metadata(self, channel: str, sender_id: str, identity: Mapping[str, Any]) -> dict[str, Any]:
        """The message metadata by which ``channel`` vouches for ``identity`` in ``sender_id``'s conversation."""
        mac = self._mac(channel, sender_id, identity)
        return {IDENTITY_KEY: {"channel": channel, "identity": dict(identity), "mac": mac}}

    def open(self, sender_id: str, metadata: Mapping[str, Any] | None) -> VerifiedIdentity | None:
        """The identity a verifying channel sealed for this conversation; None for anything else."""
        sealed = (metadata or {}).get(IDENTITY_KEY)
        if not isinstance(sealed, Mapping):
            return None
        channel, verified, mac = sealed.get("channel"), sealed.get("identity"), sealed.get("mac")
        if channel not in VERIFIED_CHANNELS or not isinstance(verified, Mapping) or not isinstance(mac, str):
            return None
        try:
            expected = self._mac(str(channel), sender_id, verified)
        except (TypeError, ValueError):  # not JSON-serialisable: not something a channel sealed
            return None
        if not hmac.compare_digest(expected, mac) or not isinstance(verified.get("id"), str):
            return None
        fields = VerifiedIdentity.__annotations__
        return {k: v for k, v in verified.items() if k in fields and isinstance(v, str)}  # type: ignore[return-value]


# tenants.yml, declared. Plain fields and bot/config.py's small checker rather than a pydantic
# model: both environments read this file, and they have pydantic 1 and 2.
TENANT_ID = matching(r"[a-z0-9][a-z0-9_-]*", "a tenant id (lower-case letters, digits, - and _)")
TENANTS_FIELDS = (Field("tenants", kind("a mapping of tenant ids to tenants", _is_mapping), "the partners"),)
TENANT_FIELDS = (
    Field("name", TEXT, "the organisation's name"),
    Field("email_domains", DOMAIN, "its staff's e-mail domains", many=True),
    Field("azure_tenant_ids", GUID, "its Azure AD (Entra ID) tenants", many=True),
)


@dataclass(frozen=True)
class Tenants:
    ids: frozenset[str]
    by_domain: dict[str, str]
    by_aad_tenant: dict[str, str]


@lru_cache(maxsize=4)
def load_tenants(path: Path = TENANTS_CONFIG) -> Tenants:
    """The partner organisations in ``path``, checked: ConfigurationError names the file and the field."""
    file = shown_path(path)
    tenants = read_fields(read_yaml(path), TENANTS_FIELDS, path, "")["tenants"] or {}
    ids: set[str] = set()
    by_domain: dict[str, str] = {}
    by_aad: dict[str, str] = {}
    for tid, entry in tenants.items():
        ids.add(checked_value(TENANT_ID, tid, f"{file}: tenants"))
        fields = read_fields(entry or {}, TENANT_FIELDS, path, f"tenants.{tid}")
        for key, index in (("email_domains", by_domain), ("azure_tenant_ids", by_aad)):
            for i, value in enumerate(v.lower() for v in fields[key]):
                if index.setdefault(value, tid) != tid:
                    where = f"{file}: tenants.{tid}.{key}[{i}]"
                    raise ConfigurationError(f"{where}: {value} is already listed for {index[value]}")
    return Tenants(frozenset(ids), by_domain, by_aad)


def tenant_for_email(email: str | None, tenants_file: Path = TENANTS_CONFIG) -> str | None:
    if not email or "@" not in email:
        return None
    return load_tenants(tenants_file).by_domain.get(email.rsplit("@", 1)[1].lower())


def known_aad_tenants(tenants_file: Path = TENANTS_CONFIG) -> frozenset[str]:
    """The Azure AD tenants of the partner organisations (lower case), as tenants.yml lists them."""
    return frozenset(load_tenants(tenants_file).by_aad_tenant)


def tenant_for(verified: Mapping[str, Any], tenants_file: Path = TENANTS_CONFIG) -> str | None:
    """The partner organisation of a verified identity (see the module docstring for the order)."""
    known = load_tenants(tenants_file)
    claimed = verified.get("tenant")
    if isinstance(claimed, str) and claimed in known.ids:
        return claimed
    aad = verified.get("aad_tenant_id")
    if isinstance(aad, str) and aad.lower() in known.by_aad_tenant:
        return known.by_aad_tenant[aad.lower()]
    email = verified.get("email")
    return tenant_for_email(email if isinstance(email, str) else None, tenants_file)


def requester(
    sender_id: str,
    channel: str | None,
    metadata: Mapping[str, Any] | None,
    seal: IdentitySeal | None,
    env: Mapping[str, str] = os.environ,
) -> Requester:
    """Who is asking in ``sender_id``'s conversation: the identity sealed into ``metadata`` (``seal``
    None: nothing is believed), else the unverified ``<channel>:<sender id>``."""
    verified = seal.open(sender_id, metadata) if seal is not None else None
    if verified is not None and verified.get("id"):
        email, name = verified.get("email"), verified.get("name")
        return Requester(
            id=str(verified["id"]),
            email=email if isinstance(email, str) and email else None,
            name=name if isinstance(name, str) and name else None,
            tenant=tenant_for(verified),
        )
    domain = env.get(DEV_DOMAIN_SETTING, "").strip()
    email = f"{sender_id}@{domain}" if domain and _LOCAL_PART.fullmatch(sender_id) else None
    return Requester(id=f"{channel or 'unknown'}:{sender_id}", email=email, tenant=tenant_for_email(email))


def serves(councils: Collection[str], tenant: str | None) -> bool:
    """Whether a list of ``councils`` (or ALL_COUNCILS) covers a person of council ``tenant``."""
    return ALL_COUNCILS in councils or (tenant is not None and tenant in councils)
