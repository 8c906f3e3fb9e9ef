"""The development sign-in's demo people (``--dev`` only): one for each role, for every council,
and a manager and an agent of one council, to see what a council-scoped person sees."""

from __future__ import annotations

from bot.backoffice.roles import ROLES, Grant, Person
from bot.identity import Tenants

DEV_DOMAIN = "askit.example"
PREFERRED_COUNCIL = "riverside"


def demo_people(tenants: Tenants) -> dict[str, Person]:
    people: dict[str, Person] = {
        role: Person(f"dev-{role}", f"Demo {role}", f"{role}@{DEV_DOMAIN}", None, (Grant(role),)) for role in ROLES
    }
    # A second approver: the studio's approver must not be the author, and an approver may write too.
    people["approver-2"] = Person("dev-approver-2", "Demo approver 2", f"approver-2@{DEV_DOMAIN}", None,
                                  (Grant("approver"), Grant("editor")))  # fmt: skip
    if tenants.ids:
        council = PREFERRED_COUNCIL if PREFERRED_COUNCIL in tenants.ids else min(tenants.ids)
        for role in ("manager", "agent", "editor", "approver"):
            key = f"{role}-{council}"
            people[key] = Person(
                f"dev-{key}", f"Demo {role} ({council})", f"{key}@{DEV_DOMAIN}", None, (Grant(role, council),)
            )
    return people
