"""Give the org roles their vendor-registry permissions in admin.

Procurement runs due diligence; security and legal rate assessments beside
it; every other role may look the registry up. Groups are matched by name
(they are created by intake's role migration; get_or_create keeps this
migration independent of intake, which depends on vendors)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

READ_ONLY_ROLES = ["privacy", "compliance", "architecture", "data_governance", "model_risk", "pmo",
                   "executive_sponsors"]
ASSESSORS = ["security", "legal"]
ASSESSMENT_MODELS = ["vendorassessment", "assessmentrating"]


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    vendor_perms = Permission.objects.filter(content_type__app_label="vendors")
    views = vendor_perms.filter(codename__startswith="view_")
    for name in ("procurement", "governance_admins"):
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*vendor_perms.exclude(codename__startswith="delete_") if name == "procurement"
                              else vendor_perms)
    for name in ASSESSORS:
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*views, *vendor_perms.filter(
            codename__in=[f"change_{model}" for model in ASSESSMENT_MODELS]))
    for name in READ_ONLY_ROLES:
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*views)


class Migration(migrations.Migration):
    dependencies = [
        ("vendors", "0004_beat_schedule"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
