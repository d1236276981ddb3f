"""Pending webhook deliveries (the outbox), and the beat schedule that queues overdue ones again.

An event is recorded in the transaction of the change that caused it; its Celery message can be
lost (Redis down when the change committed), so every minute ``api.tasks.requeue_webhooks`` queues
again the deliveries overdue by a minute. A task that already has a schedule is left alone, so
running this again creates nothing and keeps an admin's change (editable in admin: Periodic tasks).
"""

import django.core.serializers.json
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

TASK_NAME = "Queue overdue webhook deliveries again"
TASK = "api.tasks.requeue_webhooks"


def seed(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    if PeriodicTask.objects.filter(task=TASK).exists():
        return
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="*", hour="*", day_of_month="*", month_of_year="*", day_of_week="*",
        timezone=settings.TIME_ZONE,
    )
    PeriodicTask.objects.get_or_create(name=TASK_NAME, defaults={
        "task": TASK, "crontab": crontab, "enabled": True,
        "description": "Queues again the webhook deliveries whose attempt has been due for a minute (their "
                       "message was lost, e.g. Redis was down when the event was recorded).",
    })
    # Beat reloads its schedule when this changes (the model's signals do not run in migrations).
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def unseed(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    PeriodicTask.objects.filter(task=TASK).delete()
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


class Migration(migrations.Migration):

    dependencies = [
        ("api", "0003_webhook_delivery_outcome"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.CreateModel(
            name="WebhookOutbox",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("delivery_id", models.UUIDField(
                    help_text="The event's id, sent as X-Stagegate-Delivery with every attempt.")),
                ("event", models.CharField(
                    choices=[("use_case.submitted", "Use case submitted (or resubmitted)"),
                             ("use_case.stage_changed", "Use case stage changed"),
                             ("review.decided", "Review decided"), ("gate.decided", "Stage gate decided"),
                             ("board_pack.ready", "Board pack ready"),
                             ("vendor.status_changed", "Vendor status changed")],
                    max_length=40)),
                ("payload", models.JSONField(encoder=django.core.serializers.json.DjangoJSONEncoder)),
                ("attempt", models.PositiveSmallIntegerField(default=1, help_text="The number of the next attempt.")),
                ("due_at", models.DateTimeField(db_index=True, help_text="When the next attempt is due.")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("subscription", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                                   related_name="outbox", to="api.webhooksubscription")),
            ],
            options={
                "verbose_name": "pending webhook delivery",
                "verbose_name_plural": "pending webhook deliveries",
                "ordering": ["due_at", "id"],
                "constraints": [models.UniqueConstraint(fields=("subscription", "delivery_id"),
                                                        name="uniq_webhook_outbox_delivery")],
            },
        ),
        migrations.RunPython(seed, unseed),
    ]
