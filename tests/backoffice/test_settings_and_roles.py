"""The back office's configuration: settings errors name the variable (never a secret's value), the
role mapping file's errors name the file and field, and grants from tokens stay within their council."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.backoffice.roles import Grant, load_role_map, parse_grant
from bot.backoffice.settings import load_settings
from bot.config import ConfigurationError

GOOD = {
    "ASKIT_BACKOFFICE_OIDC_ISSUER": "https://login.microsoftonline.com/organizations/v2.0",
    "ASKIT_BACKOFFICE_OIDC_CLIENT_ID": "11111111-2222-3333-4444-555555555555",
    "ASKIT_BACKOFFICE_OIDC_CLIENT_SECRET": "client-secret-value-0123456789",
    "ASKIT_BACKOFFICE_ALLOWED_TENANTS": "6F1B8C2E-0D4A-4B7E-9A51-3C2D1E0F4A02, 6f1b8c2e-0d4a-4b7e-9a51-3c2d1e0f4a01",
    "ASKIT_BACKOFFICE_SECRET": "k" * 40,
    "ASKIT_BACKOFFICE_PUBLIC_URL": "https://askit.example/backoffice/",
}
RIVERSIDE_AAD = "6f1b8c2e-0d4a-4b7e-9a51-3c2d1e0f4a02"


def test_good_settings_are_read() -> None:
    settings = load_settings(GOOD)
    assert settings.oidc is not None and settings.oidc.allowed_tenants == {RIVERSIDE_AAD, RIVERSIDE_AAD[:-1] + "1"}
    assert settings.public_url == "https://askit.example/backoffice" and settings.secure_cookies
    assert "client-secret-value" not in repr(settings)


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("ASKIT_BACKOFFICE_OIDC_ISSUER", "", "ASKIT_BACKOFFICE_OIDC_ISSUER: is not set"),
        ("ASKIT_BACKOFFICE_OIDC_ISSUER", "http://login.example", "ASKIT_BACKOFFICE_OIDC_ISSUER: must be an https URL"),
        ("ASKIT_BACKOFFICE_OIDC_CLIENT_SECRET", "", "ASKIT_BACKOFFICE_OIDC_CLIENT_SECRET: is not set"),
        ("ASKIT_BACKOFFICE_ALLOWED_TENANTS", "riverside", "ASKIT_BACKOFFICE_ALLOWED_TENANTS: must be a GUID"),
        ("ASKIT_BACKOFFICE_ALLOWED_TENANTS", ",", "ASKIT_BACKOFFICE_ALLOWED_TENANTS: must list at least one"),
        ("ASKIT_BACKOFFICE_SECRET", "short secret value", "ASKIT_BACKOFFICE_SECRET: is not valid"),
        ("ASKIT_BACKOFFICE_SECRET", "", "ASKIT_BACKOFFICE_SECRET: is not set"),
        ("ASKIT_BACKOFFICE_DB", "mysql://u:pw@db/x", "ASKIT_BACKOFFICE_DB: must be a SQLite file path"),
        ("ASKIT_BACKOFFICE_PUBLIC_URL", "http://askit.example", "ASKIT_BACKOFFICE_PUBLIC_URL: must be an https URL"),
    ],
)
def test_a_bad_setting_is_named(name: str, value: str, message: str) -> None:
    with pytest.raises(ConfigurationError) as error:
        load_settings({**GOOD, name: value})
    assert str(error.value).startswith(message)
    assert "short secret value" not in str(error.value) and "pw@" not in str(error.value)


def test_dev_needs_no_provider_but_takes_all_of_it_or_none() -> None:
    dev = load_settings({"ASKIT_BACKOFFICE_SECRET": "k" * 40}, dev=True, port=5057)
    assert dev.oidc is None and dev.public_url == "http://127.0.0.1:5057" and not dev.secure_cookies
    with pytest.raises(ConfigurationError, match=r"^ASKIT_BACKOFFICE_OIDC_CLIENT_ID: is not set"):
        load_settings(
            {"ASKIT_BACKOFFICE_SECRET": "k" * 40, "ASKIT_BACKOFFICE_OIDC_ISSUER": GOOD["ASKIT_BACKOFFICE_OIDC_ISSUER"]},
            dev=True,
            port=1,
        )


@pytest.mark.parametrize(
    "text, message",
    [
        (
            "people: [{email: a@riverside.example, grants: [boss]}]",
            "backoffice.yml: people[0].grants: 'boss': must be a role",
        ),
        ("people: [{email: a@riverside.example, grants: [manager:atlantis]}]", "people[0].grants[0]: names a council"),
        ("people: [{grants: [agent]}]", "people[0]: give either email or object_id"),
        (
            "people: [{email: a@riverside.example, role: agent, grants: [agent]}]",
            "people[0].role: is not a known field",
        ),
        ("people: [{email: a@riverside.example}]", "people[0].grants: is missing"),
    ],
)
def test_a_bad_role_mapping_names_the_file_and_field(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "backoffice.yml"
    path.write_text(text)
    with pytest.raises(ConfigurationError, match=r"backoffice\.yml: ") as error:
        load_role_map(path)
    assert message in str(error.value)


def test_the_projects_role_mapping_file_is_valid() -> None:
    assert load_role_map().by_email


def claims(**extra: object) -> dict[str, object]:
    return {"tid": RIVERSIDE_AAD, "oid": "oid-1", "email": "x@riverside.example", **extra}


@pytest.mark.parametrize(
    "token_claims, grants",
    [
        (claims(roles=["manager"]), ["manager:riverside"]),  # a council's tenant: its council only
        (claims(roles=["admin", "manager:northbrook"]), ["admin:riverside"]),  # escalation attempts
        (claims(roles=["manager:riverside", "root", "editor:"]), ["manager:riverside"]),
        # the operator's own tenant (no council's) grants as written
        (
            {"tid": "99999999-0000-0000-0000-000000000000", "roles": ["admin", "manager:northbrook"]},
            ["admin", "manager:northbrook"],
        ),
        ({"tid": "99999999-0000-0000-0000-000000000000", "roles": ["manager:atlantis"]}, []),
    ],
)
def test_token_roles_are_clamped_to_the_tenants_council(token_claims: dict[str, object], grants: list[str]) -> None:
    role_map = load_role_map(Path("/nonexistent/backoffice.yml"))
    assert [str(g) for g in role_map.grants_for(token_claims)] == grants


def test_mapped_e_mails_are_believed_only_from_their_councils_tenant(tmp_path: Path) -> None:
    path = tmp_path / "backoffice.yml"
    path.write_text(
        "people: [{email: Sam@Riverside.example, grants: [editor:riverside]}, {object_id: OID-9, grants: [admin]}]"
    )
    role_map = load_role_map(path)
    assert role_map.grants_for(claims(email="sam@riverside.example")) == (Grant("editor", "riverside"),)
    northbrook = "6f1b8c2e-0d4a-4b7e-9a51-3c2d1e0f4a01"
    assert role_map.grants_for({"tid": northbrook, "email": "sam@riverside.example"}) == ()
    assert role_map.grants_for({"tid": northbrook, "oid": "oid-9"}) == (Grant("admin"),)


def test_grants_parse_and_print_alike() -> None:
    assert str(parse_grant("approver:southmere")) == "approver:southmere" and parse_grant("agent") == Grant("agent")
    with pytest.raises(ValueError):
        parse_grant("manager:")
