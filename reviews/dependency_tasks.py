"""Tasks of the dependency flags and monitoring reviews (reviews.services.dependencies, .monitoring).

Thin like every task: ids and dates in, a service call; a mail failure retries (MAIL_RETRY) and the
log rows make a second run send nothing. Registered with the worker through reviews.receivers.
"""

from __future__ import annotations

import datetime

from celery import shared_task

from config.tasks import MAIL_RETRY, enqueue_on_commit
from reviews.services import dependencies, monitoring


@shared_task(name="reviews.tasks.send_dependency_notice", **MAIL_RETRY)
def send_dependency_notice(flag_id: int) -> bool:
    """Tell the delivery owner and the go/no-go A about one dependency flag; False when already told."""
    return dependencies.send_dependency_notice(flag_id=flag_id) is not None


@shared_task(name="reviews.tasks.send_monitoring_reminder", **MAIL_RETRY)
def send_monitoring_reminder(evidence_id: int, for_date_iso: str) -> bool:
    """Remind that one monitoring plan's review is overdue; False when already reminded or no longer due."""
    log = monitoring.send_monitoring_reminder(evidence_id=evidence_id,
                                              for_date=datetime.date.fromisoformat(for_date_iso))
    return log is not None


def queue_monitoring_reminders(today: datetime.date) -> int:
    """A step of the daily sweep: one task per overdue monitoring-plan review; returns how many."""
    due = monitoring.monitoring_reminders_due(today=today)
    for evidence_id in due:
        enqueue_on_commit(send_monitoring_reminder, evidence_id, today.isoformat())
    return len(due)


def queue_dependency_notices() -> int:
    """A step of the daily sweep: the email of every open flag not yet told (sending twice is refused)."""
    unsent = dependencies.dependency_notices_unsent()
    for flag_id in unsent:
        enqueue_on_commit(send_dependency_notice, flag_id)
    return len(unsent)
