from django.db import migrations, models

PILOT_END_HELP = "The day the pilot's time-box ends: its gate is due by then."


class Migration(migrations.Migration):
    dependencies = [("intake", "0013_use_case_external_id")]

    operations = [
        migrations.AddField(
            model_name="usecase",
            name="pilot_start",
            field=models.DateField(blank=True, editable=False, null=True, verbose_name="pilot start"),
        ),
        migrations.AddField(
            model_name="usecase",
            name="pilot_end",
            field=models.DateField(blank=True, db_index=True, editable=False, help_text=PILOT_END_HELP, null=True,
                                   verbose_name="pilot end"),
        ),
        migrations.AddField(
            model_name="historicalusecase",
            name="pilot_start",
            field=models.DateField(blank=True, editable=False, null=True, verbose_name="pilot start"),
        ),
        migrations.AddField(
            model_name="historicalusecase",
            name="pilot_end",
            field=models.DateField(blank=True, db_index=True, editable=False, help_text=PILOT_END_HELP, null=True,
                                   verbose_name="pilot end"),
        ),
    ]
