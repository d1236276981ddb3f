"""The Celery app. With no REDIS_URL, tasks run eagerly in-process.

Run one worker pool and exactly one beat (see README, "Worker and beat");
beat reads its schedule from the database (django-celery-beat), so admins
change times in Django admin.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

# DjangoTask adds delay_on_commit(); config.tasks.enqueue_on_commit also survives a broker outage.
app = Celery("stagegate", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Worker heartbeats that /readyz/ reads, and the enqueuing request's id in task logs (ops).
from ops.heartbeat import install_heartbeat  # noqa: E402
from ops.logs import install_task_logging  # noqa: E402

install_heartbeat(app)
install_task_logging(app)
