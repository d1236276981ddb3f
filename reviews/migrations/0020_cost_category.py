import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

CATEGORIES = [("infrastructure", "Infrastructure"), ("data", "Data"), ("platforms", "Platforms"),
              ("governance", "Governance"), ("change", "Change")]


def _category(*, default: str | None = None) -> models.CharField:
    if default is None:
        return models.CharField(choices=CATEGORIES, max_length=20, verbose_name="budget category")
    return models.CharField(choices=CATEGORIES, default=default, max_length=20, verbose_name="budget category")


class Migration(migrations.Migration):
    dependencies = [("reviews", "0019_policy_between_gates")]

    operations = [
        # Entries recorded before costs had a category were a month's total, mostly the AI platform's
        # bill: they become "platforms", which keeps each one unique per use case and month.
        migrations.AddField(model_name="costentry", name="category", field=_category(default="platforms"),
                            preserve_default=False),
        migrations.AddField(model_name="historicalcostentry", name="category", field=_category(default="platforms"),
                            preserve_default=False),
        migrations.RemoveConstraint(model_name="costentry", name="uniq_cost_period"),
        migrations.AddConstraint(
            model_name="costentry",
            constraint=models.UniqueConstraint(fields=("use_case", "period_start", "category"),
                                               name="uniq_cost_period_category"),
        ),
        migrations.CreateModel(
            name="MeasurementReminderLog",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("due_on", models.DateField(help_text="The day the missing measurement was due.")),
                ("for_date", models.DateField(help_text="The day the reminder was sent for.")),
                ("sent_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("recipients", models.JSONField(blank=True, default=list, help_text="Email addresses it was sent to.")),
                ("kpi", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                          related_name="measurement_reminders", to="intake.kpi")),
            ],
            options={
                "ordering": ["-for_date", "kpi"],
                "constraints": [models.UniqueConstraint(fields=("kpi", "due_on"),
                                                        name="measurement_reminder_once_per_due")],
            },
        ),
    ]
