"""The demo's cast: business units, strategic outcomes and the logins, with their org roles.

A user found by username is left as it is (the demo password is set only on creation); the one thing
a re-run restores is a demo user's membership of their business unit, without which that login sees
no use cases.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group

from intake.models import BusinessUnit, StrategicOutcome

# Demo-only credentials: printed in the summary on purpose, never used in production.
# Reviewed (bandit B105): the published demo password (README), set only by seed_demo, never in production.
DEMO_PASSWORD = "stagegate-demo"  # noqa: S105 # nosec B105
EMAIL_DOMAIN = "stagegate.example"

BUSINESS_UNITS = [
    ("CUSTOPS", "Customer Operations"),
    ("FIN", "Finance"),
    ("HR", "People"),
    ("ENG", "Engineering"),
]

STRATEGIC_OUTCOMES = [
    ("Faster customer resolution",
     "Resolve customer contacts first time and sooner, across every channel."),
    ("Lower cost to serve",
     "Take manual effort out of high-volume back-office and service work."),
    ("Better employee experience",
     "Give people quicker answers and fewer low-value tasks so they can do their best work."),
    ("Faster software delivery",
     "Shorten the path from idea to safe production change."),
    ("Stronger risk and compliance posture",
     "Find and fix control gaps earlier, and evidence decisions that affect customers and staff."),
]

# The governance model's cast. "unit" makes the user a member of that business unit.
USERS = [
    {"username": "ava.submitter", "first_name": "Ava", "last_name": "Thompson",
     "role": "Submitter, Customer Operations", "unit": "CUSTOPS"},
    {"username": "ben.submitter", "first_name": "Ben", "last_name": "Okafor",
     "role": "Submitter, Finance", "unit": "FIN"},
    {"username": "cx.owner", "first_name": "Marta", "last_name": "Silva",
     "role": "Business owner, Customer Operations", "unit": "CUSTOPS"},
    {"username": "fin.owner", "first_name": "Claire", "last_name": "Bennett",
     "role": "Business owner, Finance", "unit": "FIN"},
    {"username": "hr.owner", "first_name": "Nadia", "last_name": "Karim",
     "role": "Business owner and submitter, People", "unit": "HR"},
    {"username": "eng.owner", "first_name": "Tom", "last_name": "Fischer",
     "role": "Business owner and submitter, Engineering", "unit": "ENG"},
    {"username": "ai.delivery", "first_name": "Omar", "last_name": "Haddad",
     "role": "Delivery owner, AI platform team", "unit": "ENG"},
    {"username": "sec.reviewer", "first_name": "Sofia", "last_name": "Marquez", "role": "Security reviewer"},
    {"username": "privacy.reviewer", "first_name": "Priya", "last_name": "Natarajan", "role": "Privacy reviewer"},
    {"username": "legal.reviewer", "first_name": "Liam", "last_name": "O'Connor", "role": "Legal reviewer"},
    {"username": "compliance.reviewer", "first_name": "Chloe", "last_name": "Dubois",
     "role": "Compliance reviewer"},
    {"username": "procurement.reviewer", "first_name": "Marcus", "last_name": "Webb",
     "role": "Procurement reviewer"},
    {"username": "architecture.reviewer", "first_name": "Hannah", "last_name": "Lindqvist",
     "role": "Architecture reviewer"},
    {"username": "modelrisk.reviewer", "first_name": "Raj", "last_name": "Mehta", "role": "Model-risk reviewer"},
    {"username": "pmo.lead", "first_name": "Grace", "last_name": "Adeyemi", "role": "PMO lead"},
    {"username": "exec.sponsor", "first_name": "Daniel", "last_name": "Hartmann", "role": "Executive sponsor"},
    {"username": "gov.admin", "first_name": "Elena", "last_name": "Rossi", "role": "Governance admin",
     "is_staff": True, "is_superuser": True},
]

# Org roles (groups from migration intake/0004); reviewers and the PMO work in admin.
ROLE_GROUPS = {
    "sec.reviewer": "security", "privacy.reviewer": "privacy", "legal.reviewer": "legal",
    "compliance.reviewer": "compliance", "procurement.reviewer": "procurement",
    "architecture.reviewer": "architecture", "modelrisk.reviewer": "model_risk",
    "pmo.lead": "pmo", "exec.sponsor": "executive_sponsors", "gov.admin": "governance_admins",
}
STAFF = {name for name, group in ROLE_GROUPS.items() if group != "executive_sponsors"}

# Who acts where the services ask for a role: each is allowed the action by their group.
SUBMITTERS = {"CUSTOPS": "ava.submitter", "FIN": "ben.submitter", "HR": "hr.owner", "ENG": "eng.owner"}
REVIEWERS = {
    "security": "sec.reviewer", "privacy": "privacy.reviewer", "legal": "legal.reviewer",
    "compliance": "compliance.reviewer", "procurement": "procurement.reviewer",
    "architecture": "architecture.reviewer", "model_risk": "modelrisk.reviewer",
}
SPONSOR, PMO, GOVERNANCE_ADMIN, PROCUREMENT = "exec.sponsor", "pmo.lead", "gov.admin", "procurement.reviewer"

Users = dict[str, AbstractBaseUser]


def seed_people() -> Users:
    """Business units, strategic outcomes and the demo logins (with their org roles), by username."""
    for code, name in BUSINESS_UNITS:
        BusinessUnit.objects.get_or_create(code=code, defaults={"name": name})
    for name, description in STRATEGIC_OUTCOMES:
        StrategicOutcome.objects.get_or_create(name=name, defaults={"description": description})
    return {spec["username"]: _seed_user(spec) for spec in USERS}


def submitter_of(spec: dict[str, Any], users: Users) -> AbstractBaseUser:
    """Who creates and submits a use case of the spec's business unit (a member of it)."""
    return users[SUBMITTERS[spec["unit"]]]


def _seed_user(spec: dict[str, Any]) -> AbstractBaseUser:
    """Get or create one demo user; the demo password is set only on creation."""
    defaults = {
        "first_name": spec["first_name"],
        "last_name": spec["last_name"],
        "email": f"{spec['first_name']}.{spec['last_name']}@{EMAIL_DOMAIN}".lower().replace("'", ""),
        "is_staff": spec["username"] in STAFF,
        "is_superuser": spec.get("is_superuser", False),
    }
    user, created = get_user_model().objects.get_or_create(username=spec["username"], defaults=defaults)
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    _join_groups(user, [ROLE_GROUPS[user.username]] if user.username in ROLE_GROUPS else [])
    if spec.get("unit"):
        unit = BusinessUnit.objects.get(code=spec["unit"])
        # Checked first: adding an existing member would still write a history row.
        if not unit.members.filter(pk=user.pk).exists():
            unit.members.add(user)
    return user


def _join_groups(user: AbstractBaseUser, names: list[str]) -> None:
    """Org roles are groups (seeded by migration intake/0004)."""
    missing = Group.objects.filter(name__in=names).exclude(user=user)
    user.groups.add(*missing)
