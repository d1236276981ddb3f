"""Seed an hourly catch-up run of the review reminder sweep (django-celery-beat).

The 06:00 sweep queues each reminder due that day; one whose message was lost (Redis down at that
moment) would otherwise wait for the next day, and an overdue reminder is of its day. The sweep finds
only what is due and not yet logged (``ReminderLog`` is unique per review, kind and day), so these runs
send nothing twice. An existing task of this name is left alone, as admins may have changed it.
"""

from django.db import migrations
from django.utils import timezone

NAME = "Catch up review reminders"


def seed(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="30", hour="7-20", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Europe/London",
    )
    PeriodicTask.objects.get_or_create(name=NAME, defaults={
        "task": "reviews.tasks.send_review_reminders", "crontab": crontab,
        "description": "Sends the review reminders of the day that the 06:00 sweep could not queue (e.g. Redis "
                       "was down); nothing already sent is sent again."})
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def unseed(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0017_registration_remediation"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(seed, unseed)]
