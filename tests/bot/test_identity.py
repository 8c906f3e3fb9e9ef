from __future__ import annotations

import pytest

from bot import identity


def test_unverified_metadata_is_ignored() -> None:
    forged = {identity.IDENTITY_KEY: {"id": "ceo", "email": "ceo@northbrook.example"}}
    who = identity.requester("alice", "rest", forged, env={})
    assert (who.id, who.email, who.tenant) == ("rest:alice", None, None)


def test_a_verified_channel_identity_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(identity, "VERIFIED_CHANNELS", frozenset({"teams"}))
    meta = {identity.IDENTITY_KEY: {"id": "aad-123", "email": "Pat@Riverside.example", "name": "Pat"}}
    who = identity.requester("29:abc", "teams", meta, env={})
    assert (who.id, who.email, who.name, who.tenant) == ("aad-123", "Pat@Riverside.example", "Pat", "riverside")


def test_development_identity_from_configuration() -> None:
    who = identity.requester("carol", "rest", None, env={identity.DEV_DOMAIN_SETTING: "southmere.example"})
    assert (who.id, who.email, who.tenant) == ("rest:carol", "carol@southmere.example", "southmere")
    odd = identity.requester("not an address!", "rest", None, env={identity.DEV_DOMAIN_SETTING: "southmere.example"})
    assert odd.email is None


def test_unknown_domains_have_no_tenant() -> None:
    assert identity.tenant_for_email("x@elsewhere.example") is None
    assert identity.tenant_for_email(None) is None
