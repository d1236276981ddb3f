import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("vendors", "0008_external_ids")]

    operations = [
        migrations.AddField(
            model_name="vendorreminderlog",
            name="ai_model",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE,
                                    related_name="review_reminders", to="vendors.aimodel"),
        ),
        migrations.RemoveConstraint(model_name="vendorreminderlog", name="vendor_reminder_about_one_thing"),
        migrations.AddConstraint(
            model_name="vendorreminderlog",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("ai_model__isnull", True), ("certification__isnull", True), ("vendor__isnull", False)),
                    models.Q(("ai_model__isnull", True), ("certification__isnull", False), ("vendor__isnull", True)),
                    models.Q(("ai_model__isnull", False), ("certification__isnull", True), ("vendor__isnull", True)),
                    _connector="OR",
                ),
                name="vendor_reminder_about_one_thing",
            ),
        ),
        migrations.AddConstraint(
            model_name="vendorreminderlog",
            constraint=models.UniqueConstraint(condition=models.Q(("ai_model__isnull", False)),
                                               fields=("ai_model", "kind", "for_date"),
                                               name="model_review_reminder_once_per_day"),
        ),
    ]
