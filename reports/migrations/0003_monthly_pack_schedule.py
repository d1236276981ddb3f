"""Seed the beat schedule of the monthly executive pack (editable in admin: Periodic tasks).

It fires at 07:00 on days 1-3 of every month; the task itself builds the pack
only on the first working day (Mon-Fri), so a month starting on a weekend
gets its pack on the Monday.
"""

from django.conf import settings
from django.db import migrations
from django.utils import timezone

TASK_NAME = "Monthly executive board pack"
TASK = "reports.tasks.build_monthly_executive_pack"


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="7", day_of_month="1-3", month_of_year="*", day_of_week="*",
        timezone=settings.TIME_ZONE,
    )
    PeriodicTask.objects.get_or_create(name=TASK_NAME, defaults={
        "task": TASK, "crontab": crontab, "enabled": True,
        "description": "Builds last month's executive board pack on the first working day of the month "
                       "and emails the PMO a link. Fires on days 1-3; the task decides which is the day.",
    })
    # Beat reloads its schedule when this changes (the model's signals do not run in migrations).
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def unschedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    PeriodicTask.objects.filter(name=TASK_NAME).delete()
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0002_board_pack_permissions"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(schedule, unschedule)]
