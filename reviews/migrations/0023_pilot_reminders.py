import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0022_dependency_flags"),
        ("intake", "0014_pilot_dates"),
    ]

    operations = [
        migrations.CreateModel(
            name="PilotReminderLog",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("kind", models.CharField(choices=[("ends_soon", "Ends soon"), ("overrun", "Overrun escalation")],
                                          max_length=20)),
                ("pilot_end", models.DateField(help_text="The pilot end the reminder was about.")),
                ("for_date", models.DateField(help_text="The day the reminder was due for.")),
                ("sent_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("recipients", models.JSONField(blank=True, default=list, help_text="Email addresses it was sent to.")),
                ("use_case", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                               related_name="pilot_reminders", to="intake.usecase")),
            ],
            options={
                "ordering": ["-for_date", "use_case", "kind"],
                "constraints": [models.UniqueConstraint(fields=("use_case", "kind", "pilot_end"),
                                                        name="pilot_reminder_once_per_end")],
            },
        ),
    ]
