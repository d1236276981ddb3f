"""Seed organisation roles (groups and their global permissions), RACI
activities and the default governance matrix. All editable in admin."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

REVIEW_FUNCTIONS = [
    ("security", "Security"), ("privacy", "Privacy"), ("legal", "Legal"), ("compliance", "Compliance"),
    ("procurement", "Procurement"), ("architecture", "Architecture"),
    ("data_governance", "Data governance"), ("model_risk", "Model risk"),
]
ALL_USECASE_PERMS = [
    "view_usecase", "change_usecase", "comment_usecase", "decide_gate_usecase", "manage_raci_usecase",
    "override_tier_usecase", "score_pilot_usecase", "manage_evidence_usecase", *[f"decide_{key}_review" for key, _ in REVIEW_FUNCTIONS],
]
GLOBAL_PERMS = {
    # The PMO sees the whole portfolio, comments, and scores pilots at triage.
    "pmo": ["view_usecase", "comment_usecase", "score_pilot_usecase"],
    "executive_sponsors": [],
    "governance_admins": ALL_USECASE_PERMS,  # and every other intake permission, below
}
ACTIVITIES = [
    ("outcome", "Business outcome", ""),
    ("delivery", "Delivery and workflow integration", ""),
    *[(key, f"{name} review", key) for key, name in REVIEW_FUNCTIONS],
    ("vendor_due_diligence", "Vendor due diligence", ""),
    ("go_no_go", "Go / no-go decision", ""),
    ("incident_response", "Incident response", ""),
    ("monitoring", "Monitoring", ""),
]
POLICIES = [
    ("low", 365, ""),
    ("medium", 180, "Impact assessment\nMonitoring plan"),
    ("high", 90, "Impact assessment\nEvaluation report\nMonitoring plan\nRollback plan"),
]
REQUIREMENTS = [
    ("low", "security", 5, False),
    ("medium", "security", 10, False), ("medium", "privacy", 10, False), ("medium", "architecture", 10, False),
    *[("high", fn, 15, False) for fn in ("security", "privacy", "legal", "compliance", "model_risk", "architecture")],
    ("high", "procurement", 15, True),
]


def seed(apps, schema_editor):
    # Permissions are normally created after all migrations; create them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for key, _ in REVIEW_FUNCTIONS:
        Group.objects.get_or_create(name=key)
    for name, codenames in GLOBAL_PERMS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*Permission.objects.filter(content_type__app_label="intake", codename__in=codenames))
    # Governance admins maintain all intake reference data in admin too.
    admins = Group.objects.get(name="governance_admins")
    admins.permissions.add(*Permission.objects.filter(content_type__app_label="intake"))
    RaciActivity = apps.get_model("intake", "RaciActivity")
    for order, (key, name, function) in enumerate(ACTIVITIES):
        RaciActivity.objects.create(key=key, name=name, review_function=function, order=order)
    TierPolicy = apps.get_model("intake", "TierPolicy")
    for tier, days, artefacts in POLICIES:
        TierPolicy.objects.create(tier=tier, rereview_days=days, required_artefacts=artefacts)
    TierRequirement = apps.get_model("intake", "TierRequirement")
    for tier, function, sla, vendor in REQUIREMENTS:
        TierRequirement.objects.create(tier=tier, function=function, sla_days=sla, only_with_vendor=vendor)


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0003_raci_governance"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
