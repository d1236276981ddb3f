"""Which review functions must approve before Pilot and re-review at the later gates, per tier (defaults
from the playbook); the free-text artefact list gives way to typed artefacts (reviews 0013 moved it)."""

from django.db import migrations, models


BEFORE_PILOT = {"high": ("security", "privacy"), "medium": ("security",)}
AT_GATES = {"medium": ("security", "privacy"),
            "high": ("security", "privacy", "legal", "compliance", "model_risk")}


def seed(apps, schema_editor):
    TierRequirement = apps.get_model("intake", "TierRequirement")
    for tier, functions in BEFORE_PILOT.items():
        TierRequirement.objects.filter(tier=tier, function__in=functions).update(before_pilot=True)
    for tier, functions in AT_GATES.items():
        TierRequirement.objects.filter(tier=tier, function__in=functions).update(
            at_controlled_rollout=True, at_scaled=True)


class Migration(migrations.Migration):

    dependencies = [
        ('intake', '0010_use_case_labels_and_help_texts'),
        ('reviews', '0013_gate_reference_data'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicaltierrequirement',
            name='at_controlled_rollout',
            field=models.BooleanField(default=False, help_text='Asking for this gate opens a new review by this function; the gate waits for it.', verbose_name='re-reviews at Pilot -> Controlled rollout'),
        ),
        migrations.AddField(
            model_name='historicaltierrequirement',
            name='at_scaled',
            field=models.BooleanField(default=False, help_text='Asking for this gate opens a new review by this function; the gate waits for it.', verbose_name='re-reviews at Controlled rollout -> Scaled'),
        ),
        migrations.AddField(
            model_name='historicaltierrequirement',
            name='before_pilot',
            field=models.BooleanField(default=False, help_text='Must have approved before the use case may enter Pilot.'),
        ),
        migrations.AddField(
            model_name='tierrequirement',
            name='at_controlled_rollout',
            field=models.BooleanField(default=False, help_text='Asking for this gate opens a new review by this function; the gate waits for it.', verbose_name='re-reviews at Pilot -> Controlled rollout'),
        ),
        migrations.AddField(
            model_name='tierrequirement',
            name='at_scaled',
            field=models.BooleanField(default=False, help_text='Asking for this gate opens a new review by this function; the gate waits for it.', verbose_name='re-reviews at Controlled rollout -> Scaled'),
        ),
        migrations.AddField(
            model_name='tierrequirement',
            name='before_pilot',
            field=models.BooleanField(default=False, help_text='Must have approved before the use case may enter Pilot.'),
        ),
            migrations.RunPython(seed, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name='historicaltierpolicy',
            name='required_artefacts',
        ),
        migrations.RemoveField(
            model_name='tierpolicy',
            name='required_artefacts',
        ),
    ]
