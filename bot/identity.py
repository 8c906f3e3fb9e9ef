"""Who is asking: the requester the actions put on tickets, from verified identity only.

A channel that verifies its users (Teams JWT, widget JWT) puts the identity it verified into the
message metadata under ``IDENTITY_KEY``, and is listed in ``VERIFIED_CHANNELS``; metadata from any
other channel (the REST webhook, for one) is whatever the client sent, and is ignored. Without a
verified identity the requester is ``<channel>:<sender id>``; in local or development use,
``ASKIT_DEV_EMAIL_DOMAIN`` gives that sender the e-mail ``<sender id>@<domain>``. The tenant comes from
the e-mail's domain, by ``knowledge_base/tenants.yml``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.paths import TENANTS_CONFIG
from bot.servicedesk.models import Requester

IDENTITY_KEY = "askit_identity"
VERIFIED_CHANNELS: frozenset[str] = frozenset()  # channels that verify a token before setting IDENTITY_KEY
DEV_DOMAIN_SETTING = "ASKIT_DEV_EMAIL_DOMAIN"
_LOCAL_PART = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


@lru_cache(maxsize=4)
def _domains(path: Path) -> dict[str, str]:
    tenants = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("tenants") or {}
    return {d.lower(): tid for tid, t in tenants.items() for d in (t or {}).get("email_domains") or []}


def tenant_for_email(email: str | None, tenants_file: Path = TENANTS_CONFIG) -> str | None:
    if not email or "@" not in email:
        return None
    return _domains(tenants_file).get(email.rsplit("@", 1)[1].lower())


def requester(
    sender_id: str, channel: str | None, metadata: Mapping[str, Any] | None, env: Mapping[str, str] = os.environ
) -> Requester:
    verified = (metadata or {}).get(IDENTITY_KEY) if channel in VERIFIED_CHANNELS else None
    if isinstance(verified, Mapping) and verified.get("id"):
        email = verified.get("email")
        tenant = verified.get("tenant") or tenant_for_email(email)
        return Requester(id=str(verified["id"]), email=email, name=verified.get("name"), tenant=tenant)
    domain = env.get(DEV_DOMAIN_SETTING, "").strip()
    email = f"{sender_id}@{domain}" if domain and _LOCAL_PART.match(sender_id) else None
    return Requester(id=f"{channel or 'unknown'}:{sender_id}", email=email, tenant=tenant_for_email(email))
