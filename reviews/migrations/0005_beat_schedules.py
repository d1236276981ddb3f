"""Seed the daily schedules of the review tasks (django-celery-beat).

Admins change the times in Django admin (Periodic tasks); a task that already
has a schedule is left alone, so running this again creates nothing.
"""

from django.db import migrations
from django.utils import timezone

SCHEDULES = [
    # (task, name, hour, minute, description)
    ("reviews.tasks.schedule_rereviews", "Open periodic re-reviews", "5", "30",
     "Opens a new review cycle for use cases in operation whose re-review cadence has passed."),
    ("reviews.tasks.send_review_reminders", "Send review reminders", "6", "0",
     "Due-soon, overdue and escalation emails for undecided reviews."),
]


def seed(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    for task, name, hour, minute, description in SCHEDULES:
        if PeriodicTask.objects.filter(task=task).exists():
            continue
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=minute, hour=hour, day_of_week="*", day_of_month="*", month_of_year="*",
            timezone="Europe/London",
        )
        PeriodicTask.objects.get_or_create(name=name, defaults={"task": task, "crontab": crontab,
                                                                "description": description})
    # A running beat re-reads its schedule when this changes (model signals do not fire here).
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def unseed(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(task__in=[task for task, *_ in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0004_reminder_log"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(seed, unseed)]
