"""Webhook deliveries keep a coarse outcome and our own reason, never the remote error text.

Past rows get their outcome from their status code, and their stored error text is erased: it was
what the network or the receiver said, which is what made the log a port-scan oracle.
"""

from django.db import migrations, models


def outcome_from_status(apps, schema_editor):
    WebhookDelivery = apps.get_model("api", "WebhookDelivery")
    WebhookDelivery.objects.filter(status_code__gte=200, status_code__lt=300).update(outcome="delivered")
    WebhookDelivery.objects.exclude(error="").update(error="")


class Migration(migrations.Migration):

    dependencies = [
        ("api", "0002_idempotency_body_text"),
    ]

    operations = [
        migrations.AddField(
            model_name="webhookdelivery",
            name="outcome",
            field=models.CharField(
                choices=[("delivered", "Delivered"), ("refused", "Refused: not sent"), ("failed", "Failed")],
                default="failed",
                help_text="Delivered (a 2xx answer); refused (nothing sent: the address is not allowed, or the URL "
                          "is not http(s)); failed (no answer, or any other status: retried).",
                max_length=10,
            ),
        ),
        migrations.RunPython(outcome_from_status, migrations.RunPython.noop),
        migrations.RenameField(model_name="webhookdelivery", old_name="error", new_name="reason"),
        migrations.AlterField(
            model_name="webhookdelivery",
            name="reason",
            field=models.CharField(blank=True, help_text="Why it was refused, e.g. 'address 127.0.0.1 is loopback'.",
                                   max_length=200),
        ),
        migrations.AlterField(
            model_name="webhookdelivery",
            name="status_code",
            field=models.PositiveSmallIntegerField(blank=True, help_text="The receiver's HTTP status, if it answered.",
                                                   null=True),
        ),
    ]
