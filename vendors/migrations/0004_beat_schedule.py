"""Seed the daily schedule of the vendor expiry reminders (django-celery-beat).

Admins change the time in Django admin (Periodic tasks); a task that already
has a schedule is left alone, so running this again creates nothing.
"""

from django.db import migrations
from django.utils import timezone

TASK = "vendors.tasks.send_vendor_expiry_reminders"


def seed(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    if PeriodicTask.objects.filter(task=TASK).exists():
        return
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="15", hour="6", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Europe/London",
    )
    PeriodicTask.objects.get_or_create(
        name="Send vendor expiry reminders",
        defaults={"task": TASK, "crontab": crontab,
                  "description": "Tells procurement of vendor approvals and certifications expiring or expired."},
    )
    # A running beat re-reads its schedule when this changes (model signals do not fire here).
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def unseed(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task=TASK).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("vendors", "0003_expiry_reminder_log"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(seed, unseed)]
