"""Seed the beat schedule that queues again audit dossiers left queued (editable in admin: Periodic tasks).

As 0004 does for board packs: a dossier requested while Redis was down is saved but its task never reached
the broker; every 10 minutes ``reports.tasks.requeue_dossiers`` finds such dossiers from the database and
queues them again. A task that already has a schedule is left alone, so running this again creates nothing
and keeps an admin's change.
"""

from django.conf import settings
from django.db import migrations
from django.utils import timezone

TASK_NAME = "Queue waiting audit dossiers again"
TASK = "reports.tasks.requeue_dossiers"


def seed(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    if PeriodicTask.objects.filter(task=TASK).exists():
        return
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="*/10", hour="*", day_of_month="*", month_of_year="*", day_of_week="*",
        timezone=settings.TIME_ZONE,
    )
    PeriodicTask.objects.get_or_create(name=TASK_NAME, defaults={
        "task": TASK, "crontab": crontab, "enabled": True,
        "description": "Queues again the audit dossiers still queued 10 minutes after they were requested, "
                       "or lost with their worker while running.",
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
        ("reports", "0006_audit_dossier"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(seed, unseed)]
