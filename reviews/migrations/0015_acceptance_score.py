"""An acceptance covers the risk's score when it was given; existing ones cover the score they see now."""

import django.core.validators
from django.db import migrations, models


def backfill(apps, schema_editor):
    RiskAcceptance = apps.get_model("reviews", "RiskAcceptance")
    for acceptance in RiskAcceptance.objects.select_related("risk"):
        acceptance.accepted_score = acceptance.risk.likelihood * acceptance.risk.impact
        acceptance.save(update_fields=["accepted_score"])


class Migration(migrations.Migration):

    dependencies = [
        ('reviews', '0014_guidance_data'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalriskacceptance',
            name='accepted_score',
            field=models.PositiveSmallIntegerField(default=25, help_text="The risk's score when accepted: should it rise above this, the acceptance no longer covers it.", validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(25)]),
        ),
        migrations.AddField(
            model_name='riskacceptance',
            name='accepted_score',
            field=models.PositiveSmallIntegerField(default=25, help_text="The risk's score when accepted: should it rise above this, the acceptance no longer covers it.", validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(25)]),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
