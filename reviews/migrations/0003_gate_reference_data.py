"""Seed the readiness scorecard (18 areas, 4 bands), the 14-item rollout
checklist, and the reviews-app permissions of governance admins. Editable in admin."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

AREAS = [
    ("problem_clarity", "Problem clarity", False),
    ("strategic_relevance", "Strategic relevance", False),
    ("value_case", "Value case", False),
    ("success_criteria", "Success criteria", True),
    ("ownership", "Ownership", True),
    ("decision_rights", "Decision rights", False),
    ("workflow_fit", "Workflow fit", False),
    ("user_adoption", "User adoption readiness", False),
    ("data_readiness", "Data readiness", False),
    ("technical_feasibility", "Technical feasibility", False),
    ("security_readiness", "Security readiness", True),
    ("privacy_legal_readiness", "Privacy and legal readiness", True),
    ("model_risk", "Model risk (reliability, failure modes)", False),
    ("operational_controls", "Operational controls (monitoring, incidents, rollback)", False),
    ("vendor_readiness", "Vendor readiness", False),
    ("delivery_capacity", "Delivery capacity", False),
    ("production_readiness", "Production readiness (explicit scale thresholds)", True),
    ("executive_visibility", "Executive visibility", False),
]
BANDS = [
    ("strong", "Strong", 75, "Proceed to controlled rollout.", True),
    ("moderate", "Moderate", 55, "Proceed only with targeted gap closure.", True),
    ("weak", "Weak", 35, "Keep in pilot or redesign.", False),
    ("low", "Low", 0, "Do not scale.", False),
]
CHECKLIST = [
    ("problem_definition", "Problem definition"),
    ("ownership", "Ownership"),
    ("success_criteria", "Success criteria"),
    ("workflow_fit", "Workflow fit"),
    ("security_review", "Security review"),
    ("privacy_legal_review", "Privacy and legal review"),
    ("data_readiness", "Data readiness"),
    ("reliability_threshold", "Reliability threshold met"),
    ("human_oversight", "Human oversight defined"),
    ("monitoring_active", "Monitoring active"),
    ("incident_response_owner", "Incident response owner"),
    ("rollback_readiness", "Rollback readiness"),
    ("support_model", "Support model (training, adoption)"),
    ("executive_visibility", "Executive visibility"),
]


def seed(apps, schema_editor):
    ReadinessArea = apps.get_model("reviews", "ReadinessArea")
    for order, (key, name, critical) in enumerate(AREAS):
        ReadinessArea.objects.create(key=key, name=name, gate_critical=critical, order=order)
    ReadinessBand = apps.get_model("reviews", "ReadinessBand")
    for key, label, minimum, guidance, allows in BANDS:
        ReadinessBand.objects.create(key=key, label=label, min_total=minimum, guidance=guidance,
                                     allows_controlled_rollout=allows)
    ChecklistItem = apps.get_model("reviews", "ChecklistItem")
    for order, (key, name) in enumerate(CHECKLIST):
        ChecklistItem.objects.create(key=key, name=name, order=order)
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    admins = Group.objects.get(name="governance_admins")
    admins.permissions.add(*Permission.objects.filter(content_type__app_label="reviews"))


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0002_gate_evidence"),
        ("intake", "0004_roles_raci_governance_data"),
    ]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
