"""Seed the beat schedule that queues again board packs left queued (editable in admin: Periodic tasks).

A pack requested while Redis was down is saved but its task never reached the
broker; every 10 minutes ``reports.tasks.requeue_board_packs`` finds such packs
from the database and queues them again. A task that already has a schedule is
left alone, so running this again creates nothing and keeps an admin's change.
"""

from django.conf import settings
from django.db import migrations
from django.utils import timezone

TASK_NAME = "Queue waiting board packs again"
TASK = "reports.tasks.requeue_board_packs"


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
        "description": "Queues again the board packs still queued 10 minutes after they were requested "
                       "(their task was lost, e.g. Redis was down when they were requested).",
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
        ("reports", "0003_monthly_pack_schedule"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(seed, unseed)]
