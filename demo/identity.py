"""How the demo organisation's identity provider groups map to Stagegate (admin-editable).

With single sign-on configured (README, "Single sign-on"), a person in the IdP group
``stagegate-security`` signs in as a security reviewer with the admin queue, one in
``bu-customer-operations`` as a member of Customer Operations, and so on.
"""

from __future__ import annotations

from django.contrib.auth.models import Group

from identity.models import IdpGroupMapping
from intake.models import BusinessUnit

# IdP group -> (Stagegate group, admin access)
ROLE_MAPPINGS = {
    "stagegate-security": ("security", True),
    "stagegate-privacy": ("privacy", True),
    "stagegate-legal": ("legal", True),
    "stagegate-compliance": ("compliance", True),
    "stagegate-procurement": ("procurement", True),
    "stagegate-architecture": ("architecture", True),
    "stagegate-model-risk": ("model_risk", True),
    "stagegate-pmo": ("pmo", True),
    "stagegate-executives": ("executive_sponsors", False),
    "stagegate-governance": ("governance_admins", True),
}
# IdP group -> business unit code
UNIT_MAPPINGS = {
    "bu-customer-operations": "CUSTOPS",
    "bu-finance": "FIN",
    "bu-people": "HR",
    "bu-engineering": "ENG",
}


def seed_idp_mappings() -> None:
    groups = {group.name: group for group in Group.objects.filter(name__in=[g for g, _ in ROLE_MAPPINGS.values()])}
    for idp_group, (name, admin_access) in ROLE_MAPPINGS.items():
        if name in groups:
            IdpGroupMapping.objects.get_or_create(idp_group=idp_group, group=groups[name],
                                                  defaults={"admin_access": admin_access})
    units = {unit.code: unit for unit in BusinessUnit.objects.filter(code__in=UNIT_MAPPINGS.values())}
    for idp_group, code in UNIT_MAPPINGS.items():
        if code in units:
            IdpGroupMapping.objects.get_or_create(idp_group=idp_group, business_unit=units[code])
