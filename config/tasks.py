"""How every app queues Celery work: after the commit, never failing the write.

A task queued inside a transaction that then rolls back would act on rows
that never existed, so work is handed to ``on_commit``. With the broker
down the write has already committed; failing the request then would only
hide that it succeeded. The sweeps find unfinished work from database state,
so a lost enqueue is picked up by the next run once Redis is back.
"""

from __future__ import annotations

import logging
from functools import partial
from smtplib import SMTPException
from typing import Any

from celery import Task
from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)

# Tasks that send mail retry only what a later attempt can fix: the mail
# server or the network. The longest back-off (600 s) plus the hard time limit
# stays well inside the Redis visibility timeout (tests/reviews/test_tasks.py),
# so a waiting retry is never redelivered to a second worker.
MAIL_RETRY = {
    "autoretry_for": (SMTPException, ConnectionError, OSError),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "max_retries": 5,
    "retry_jitter": True,
}


def enqueue_on_commit(task: Task, *args: Any, **kwargs: Any) -> None:
    """Queue ``task(*args, **kwargs)`` once the current transaction commits (at once outside one)."""
    transaction.on_commit(partial(_enqueue, task, args, kwargs))


def _enqueue(task: Task, args: tuple, kwargs: dict) -> None:
    try:
        # Nobody waits for the result of work queued after a commit. Without ignore_result the Redis
        # result backend subscribes to the task's result channel first, and with Redis down that raises
        # RuntimeError after its own retries: a 500, where the broker's error below is logged.
        task.apply_async(args, kwargs, ignore_result=True)
    except (OperationalError, ConnectionError) as exc:
        logger.warning("Broker unavailable; %s%r not queued (the next sweep picks it up): %s", task.name, args, exc)
