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


NORTHBROOK_AAD = "6f1b8c2e-0d4a-4b7e-9a51-3c2d1e0f4a01"  # knowledge_base/tenants.yml
UNKNOWN_AAD = "00000000-0000-0000-0000-000000000000"


@pytest.mark.parametrize(
    "verified,tenant",
    [
        # a token's tenant claim, when tenants.yml knows it, wins over the e-mail's domain
        ({"id": "u1", "email": "pat@riverside.example", "tenant": "southmere"}, "southmere"),
        # an unknown claim is not trusted as a tenant: the e-mail decides
        ({"id": "u1", "email": "pat@riverside.example", "tenant": "atlantis"}, "riverside"),
        # Teams: the Azure AD tenant (any case), even when the UPN is on another domain
        ({"id": "u1", "email": "pat@contractor.example", "aad_tenant_id": NORTHBROOK_AAD.upper()}, "northbrook"),
        ({"id": "u1", "email": "pat@contractor.example", "aad_tenant_id": UNKNOWN_AAD}, None),
        ({"id": "u1"}, None),
    ],
)
def test_the_tenant_of_a_verified_identity(verified: dict[str, str], tenant: str | None) -> None:
    who = identity.requester("sender", "webchat", {identity.IDENTITY_KEY: verified}, env={})
    assert (who.id, who.tenant) == ("u1", tenant)


def test_the_verifying_channels_are_teams_and_the_web_widget() -> None:
    assert {"teams", "webchat"} == identity.VERIFIED_CHANNELS
    assert identity.requester("x", "socketio", {identity.IDENTITY_KEY: {"id": "ceo"}}, env={}).id == "socketio:x"
