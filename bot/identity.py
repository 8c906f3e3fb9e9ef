"""Who is asking: the requester the actions put on tickets, from verified identity only.

A channel that verifies its users (Teams JWT, widget JWT) puts the identity it verified into the
message metadata under ``IDENTITY_KEY``, and is listed in ``VERIFIED_CHANNELS``; metadata from any
other channel (the REST webhook, for one) is whatever the client sent, and is ignored. Without a
verified identity the requester is ``<channel>:<sender id>``; in local or development use,
``ASKIT_DEV_EMAIL_DOMAIN`` gives that sender the e-mail ``<sender id>@<domain>``.

The verified identity is a plain dict (``VerifiedIdentity``). The tenant (partner organisation) is,
in order: the ``tenant`` the channel verified (a widget token's claim) when ``knowledge_base/tenants.yml``
knows it, the Azure AD tenant (``aad_tenant_id``, Teams) listed there, or the e-mail's domain.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, TypedDict

import yaml

from bot.paths import TENANTS_CONFIG
from bot.servicedesk.models import Requester

IDENTITY_KEY = "askit_identity"
# Channels that verify a token before setting IDENTITY_KEY (bot/channels/teams.py, bot/channels/webchat.py).
VERIFIED_CHANNELS: frozenset[str] = frozenset({"teams", "webchat"})
DEV_DOMAIN_SETTING = "ASKIT_DEV_EMAIL_DOMAIN"
_LOCAL_PART = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class VerifiedIdentity(TypedDict, total=False):
    """What a verifying channel puts under ``IDENTITY_KEY``; ``id`` is required."""

    id: str  # stable per person: the Azure AD object id, or the widget token's subject
    email: str  # the UPN or e-mail address
    name: str
    tenant: str  # a partner organisation id from tenants.yml, when the token names one
    aad_tenant_id: str  # the Azure AD tenant the user signed in to (Teams)


@dataclass(frozen=True)
class _Tenants:
    ids: frozenset[str]
    by_domain: dict[str, str]
    by_aad_tenant: dict[str, str]


@lru_cache(maxsize=4)
def _tenants(path: Path) -> _Tenants:
    tenants = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("tenants") or {}
    return _Tenants(
        ids=frozenset(tenants),
        by_domain={d.lower(): tid for tid, t in tenants.items() for d in (t or {}).get("email_domains") or []},
        by_aad_tenant={
            str(a).lower(): tid for tid, t in tenants.items() for a in (t or {}).get("azure_tenant_ids") or []
        },
    )


def tenant_for_email(email: str | None, tenants_file: Path = TENANTS_CONFIG) -> str | None:
    if not email or "@" not in email:
        return None
    return _tenants(tenants_file).by_domain.get(email.rsplit("@", 1)[1].lower())


def known_aad_tenants(tenants_file: Path = TENANTS_CONFIG) -> frozenset[str]:
    """The Azure AD tenants of the partner organisations (lower case), as tenants.yml lists them."""
    return frozenset(_tenants(tenants_file).by_aad_tenant)


def tenant_for(verified: Mapping[str, Any], tenants_file: Path = TENANTS_CONFIG) -> str | None:
    """The partner organisation of a verified identity (see the module docstring for the order)."""
    known = _tenants(tenants_file)
    claimed = verified.get("tenant")
    if isinstance(claimed, str) and claimed in known.ids:
        return claimed
    aad = verified.get("aad_tenant_id")
    if isinstance(aad, str) and aad.lower() in known.by_aad_tenant:
        return known.by_aad_tenant[aad.lower()]
    email = verified.get("email")
    return tenant_for_email(email if isinstance(email, str) else None, tenants_file)


def requester(
    sender_id: str, channel: str | None, metadata: Mapping[str, Any] | None, env: Mapping[str, str] = os.environ
) -> Requester:
    verified = (metadata or {}).get(IDENTITY_KEY) if channel in VERIFIED_CHANNELS else None
    if isinstance(verified, Mapping) and verified.get("id"):
        email, name = verified.get("email"), verified.get("name")
        return Requester(
            id=str(verified["id"]),
            email=email if isinstance(email, str) and email else None,
            name=name if isinstance(name, str) and name else None,
            tenant=tenant_for(verified),
        )
    domain = env.get(DEV_DOMAIN_SETTING, "").strip()
    email = f"{sender_id}@{domain}" if domain and _LOCAL_PART.match(sender_id) else None
    return Requester(id=f"{channel or 'unknown'}:{sender_id}", email=email, tenant=tenant_for_email(email))
