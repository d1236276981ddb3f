"""Governance admins withdraw and change submitted use cases through permissions of their own,
not through holding the RACI permission globally; the outcome's A withdraws through its RACI grant."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLE_PERMS = ("withdraw_usecase", "edit_frozen_usecase")


def grant(apps, schema_editor):
    app_config = apps.get_app_config("intake")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    admins, _ = Group.objects.get_or_create(name="governance_admins")
    admins.permissions.add(*Permission.objects.filter(content_type__app_label="intake", codename__in=ROLE_PERMS))
    # The outcome's A, who holds the RACI grant on a use case, withdraws it too.
    raci = Permission.objects.get(content_type__app_label="intake", codename="manage_raci_usecase")
    withdraw = Permission.objects.get(content_type__app_label="intake", codename="withdraw_usecase")
    for name in ("UseCaseUserObjectPermission", "UseCaseGroupObjectPermission"):
        model = apps.get_model("intake", name)
        party = "user_id" if name.startswith("UseCaseUser") else "group_id"
        model.objects.bulk_create(
            [model(content_object_id=row["content_object_id"], permission=withdraw, **{party: row[party]})
             for row in model.objects.filter(permission=raci).values("content_object_id", party)],
            ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("intake", "0008_withdraw_and_edit_frozen_permissions")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
