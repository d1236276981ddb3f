"""Drop the generated "PMO Informed on go/no-go" rows of use cases whose
go/no-go has no Accountable yet (no executive sponsor named).

Defaults used to add that row before there was an A beside it, and an
activity with rows but no A is one the RACI editor refuses to save, so such a
RACI could not be saved unchanged. The row comes back with the sponsor's A
(``intake.services.raci.default_rows``). Grants are unaffected: the PMO sees
every use case through its global permissions.
"""

from django.db import migrations


def drop_orphans(apps, schema_editor):
    RaciAssignment = apps.get_model("intake", "RaciAssignment")
    with_accountable = RaciAssignment.objects.filter(activity__key="go_no_go", letter="A").values("use_case_id")
    RaciAssignment.objects.filter(activity__key="go_no_go", letter="I", source="default").exclude(
        use_case_id__in=with_accountable
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("intake", "0006_service_account")]
    operations = [migrations.RunPython(drop_orphans, migrations.RunPython.noop)]
