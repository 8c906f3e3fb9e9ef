from __future__ import annotations

import pytest

from bot import identity

SEAL = identity.IdentitySeal("s" * 40)


CEO = {"id": "ceo", "email": "ceo@northbrook.example"}


@pytest.mark.parametrize(
    "metadata",
    [
        {identity.IDENTITY_KEY: CEO},  # what Rasa's REST channel used to pass on from the body
        {identity.IDENTITY_KEY: {"channel": "webchat", "identity": CEO}},
        {identity.IDENTITY_KEY: {"channel": "webchat", "identity": CEO, "mac": "0" * 64}},
        identity.IdentitySeal("another key entirely, 40 characters").metadata("webchat", "alice", CEO),
        SEAL.metadata("webchat", "bob", CEO),  # sealed for another conversation
        SEAL.metadata("rest", "alice", CEO),  # sealed, but not by a verifying channel
        {identity.IDENTITY_KEY: {"channel": "webchat", "identity": {"id": object()}, "mac": "x"}},
        {identity.IDENTITY_KEY: "ceo"},
        None,
    ],
)
def test_only_an_identity_sealed_for_this_conversation_by_a_verifying_channel_is_believed(metadata: object) -> None:
    who = identity.requester("alice", "webchat", metadata, SEAL, env={})  # type: ignore[arg-type]
    assert (who.id, who.email, who.tenant) == ("webchat:alice", None, None)


def test_nothing_is_believed_without_the_key() -> None:
    who = identity.requester("alice", "webchat", SEAL.metadata("webchat", "alice", CEO), None, env={})
    assert who.id == "webchat:alice"


@pytest.mark.parametrize("key", ["", "short"])
def test_a_missing_or_short_key_is_refused_naming_the_setting(key: str) -> None:
    with pytest.raises(identity.IdentitySealError, match=identity.SEAL_KEY_SETTING):
        identity.IdentitySeal.from_env({identity.SEAL_KEY_SETTING: key})
    assert "s" * 40 not in repr(SEAL)


def test_a_verified_channel_identity_is_used() -> None:
    verified: identity.VerifiedIdentity = {"id": "aad-123", "email": "Pat@Riverside.example", "name": "Pat"}
    who = identity.requester("29:abc", "teams", SEAL.metadata("teams", "29:abc", verified), SEAL, env={})
    assert (who.id, who.email, who.name, who.tenant) == ("aad-123", "Pat@Riverside.example", "Pat", "riverside")


def test_development_identity_from_configuration() -> None:
    who = identity.requester("carol", "rest", None, SEAL, env={identity.DEV_DOMAIN_SETTING: "southmere.example"})
    assert (who.id, who.email, who.tenant) == ("rest:carol", "carol@southmere.example", "southmere")
    for odd in ("not an address!", "carol\n"):
        who = identity.requester(odd, "rest", None, SEAL, env={identity.DEV_DOMAIN_SETTING: "southmere.example"})
        assert who.email is None


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
    who = identity.requester("sender", "webchat", SEAL.metadata("webchat", "sender", verified), SEAL, env={})
    assert (who.id, who.tenant) == ("u1", tenant)


def test_the_verifying_channels_are_teams_and_the_web_widget() -> None:
    assert {"teams", "webchat"} == identity.VERIFIED_CHANNELS
    sealed = SEAL.metadata("socketio", "x", {"id": "ceo"})
    assert identity.requester("x", "socketio", sealed, SEAL, env={}).id == "socketio:x"
