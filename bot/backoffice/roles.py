"""Who may do what in the back office: the five roles, each granted for every council or for one
(a tenant id of knowledge_base/tenants.yml), the signed-in ``Person``, and where grants come from:
the ID token's ``roles`` claim (Azure AD app roles) and the mapping file knowledge_base/backoffice.yml."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.config import ConfigurationError, check_file, line, shown_path
from bot.identity import Tenants, load_tenants
from bot.paths import KNOWLEDGE_BASE_DIR, TENANTS_CONFIG

Role = Literal["agent", "editor", "approver", "manager", "admin"]
ROLES: tuple[Role, ...] = get_args(Role)
ROLE_MAP_FILE = KNOWLEDGE_BASE_DIR / "backoffice.yml"

logger = logging.getLogger(__name__)


@dataclass(frozen=True, order=True)
class Grant:
    """One role, for one council (``council``) or for all of them (None)."""

    role: Role
    council: str | None = None

    def __str__(self) -> str:
        return self.role if self.council is None else f"{self.role}:{self.council}"

    def covers(self, role: Role, council: str | None) -> bool:
        """Whether this grant allows ``role`` for ``council`` (None: the page is not about one council,
        and any grant of the role lets its holder in; the page shows them their councils only)."""
        return self.role == role and (self.council is None or council is None or self.council == council)


def parse_grant(text: str) -> Grant:
    """``manager`` or ``manager:riverside``; ValueError saying what it must be."""
    role, _, council = text.strip().partition(":")
    if role not in ROLES:
        raise ValueError(f"must be a role ({', '.join(ROLES)}), optionally followed by :<council id>")
    if _ and not council:
        raise ValueError("names no council after the colon")
    return Grant(role, council or None)


@dataclass(frozen=True)
class Person:
    """Someone signed in to the back office, as their verified ID token (or the dev sign-in) says."""

    id: str  # the Azure AD object id (oid), else the token's subject
    name: str
    email: str | None
    tenant: str | None  # the Azure AD tenant id (tid); None for a development person
    grants: tuple[Grant, ...]

    def can(self, role: Role, council: str | None = None) -> bool:
        return any(grant.covers(role, council) for grant in self.grants)

    def councils(self, role: Role) -> list[str] | None:
        """The councils ``role`` is granted for: None for all of them, [] for none."""
        held = [g for g in self.grants if g.role == role]
        if any(g.council is None for g in held):
            return None
        return sorted({g.council for g in held if g.council is not None})

    @property
    def roles(self) -> list[Role]:
        return [role for role in ROLES if any(g.role == role for g in self.grants)]

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "email": self.email, "tenant": self.tenant,
                "grants": [str(g) for g in self.grants]}  # fmt: skip

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Person:
        grants = tuple(parse_grant(g) for g in data["grants"])
        return cls(str(data["id"]), str(data["name"]), data.get("email"), data.get("tenant"), grants)


# knowledge_base/backoffice.yml, declared.
class MappedPerson(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str | None = Field(None, description="their e-mail address, as their ID token gives it")
    object_id: str | None = Field(None, description="their Azure AD object id (the oid claim)")
    grants: list[str] = Field(description="roles, e.g. manager or manager:riverside", min_length=1)

    @field_validator("grants")
    @classmethod
    def _grants(cls, grants: list[str]) -> list[str]:
        for text in grants:
            try:
                parse_grant(text)
            except ValueError as exc:
                raise ValueError(line(repr(text), str(exc))) from None
        return grants

    @model_validator(mode="after")
    def _named(self) -> MappedPerson:
        if (self.email is None) == (self.object_id is None):
            raise ValueError("give either email or object_id")
        return self


class RoleMapFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    people: list[MappedPerson] = Field(default_factory=list, description="people and their grants")


@dataclass(frozen=True)
class RoleMap:
    """Grants by lower-cased e-mail and by object id, and the councils they may name."""

    by_email: Mapping[str, tuple[Grant, ...]]
    by_object_id: Mapping[str, tuple[Grant, ...]]
    tenants: Tenants

    def grants_for(self, claims: Mapping[str, Any]) -> tuple[Grant, ...]:
        """Every grant a verified ID token's claims earn, clamped to what their tenant may hold."""
        tid = str(claims.get("tid", "")).lower()
        own_council = self.tenants.by_aad_tenant.get(tid)
        granted: set[Grant] = set()
        for text in claims.get("roles") or ():
            try:
                grant = parse_grant(str(text))
            except ValueError:
                logger.warning("back office: ignored the unknown app role %r", str(text)[:60])
                continue
            if own_council is not None:
                # A council's own Azure AD administrators assign app roles in their tenant: whatever
                # they assign holds for their council only, never for another or for all.
                if grant.council not in (None, own_council):
                    logger.warning("back office: ignored app role %s from council %s's tenant", grant, own_council)
                    continue
                grant = Grant(grant.role, own_council)
            if grant.council is None or grant.council in self.tenants.ids:
                granted.add(grant)
        oid = str(claims.get("oid") or "").lower()
        granted.update(self.by_object_id.get(oid, ()))
        email = str(claims.get("email") or "").lower()
        # An e-mail claim is believed only from the tenant of the council owning its domain (Azure AD
        # lets tenants issue unverified addresses of any domain).
        domain_council = self.tenants.by_domain.get(email.rpartition("@")[2])
        if email and domain_council is not None and domain_council == own_council:
            granted.update(self.by_email.get(email, ()))
        return tuple(sorted(granted))


def load_role_map(path: Path = ROLE_MAP_FILE, tenants_file: Path = TENANTS_CONFIG) -> RoleMap:
    """The mapping file, checked: ConfigurationError names the file and the field. No file: no mapping."""
    tenants = load_tenants(tenants_file)
    if not path.exists():
        return RoleMap({}, {}, tenants)
    people = check_file(path, RoleMapFile).people
    by_email: dict[str, tuple[Grant, ...]] = {}
    by_oid: dict[str, tuple[Grant, ...]] = {}
    for i, person in enumerate(people):
        grants = tuple(parse_grant(g) for g in person.grants)
        for j, grant in enumerate(grants):
            if grant.council is not None and grant.council not in tenants.ids:
                where = f"{shown_path(path)}: people[{i}].grants[{j}]"
                raise ConfigurationError(
                    line(where, f"names a council that {shown_path(tenants_file)} does not", str(grant))
                )
        key, index = (person.email, by_email) if person.email else (person.object_id, by_oid)
        assert key is not None  # the model requires one of them
        index[key.lower()] = tuple(sorted({*index.get(key.lower(), ()), *grants}))
    return RoleMap(by_email, by_oid, tenants)
