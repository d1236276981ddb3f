"""Grant the board-pack permissions to the org groups (editable in admin afterwards).

request_boardpack: the PMO and governance admins request and retry packs.
download_boardpack: the PMO, executive sponsors and governance admins download
packs and see the portfolio dashboard and its CSV export.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "pmo": ["request_boardpack", "download_boardpack", "view_boardpack", "change_boardpack"],
    "executive_sponsors": ["download_boardpack"],
    # Governance admins get every reports permission (as they have every intake and reviews one).
    "governance_admins": None,
}


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations; create them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=name)
        perms = Permission.objects.filter(content_type__app_label="reports", content_type__model="boardpack")
        if codenames is not None:
            perms = perms.filter(codename__in=codenames)
        group.permissions.add(*perms)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(content_type__app_label="reports", content_type__model="boardpack")
    for group in Group.objects.filter(name__in=GRANTS):
        group.permissions.remove(*perms)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("intake", "0004_roles_raci_governance_data"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
