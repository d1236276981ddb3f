"""Scheduled work of the vendors app. Task names are a contract (beat schedules name them).

Thin, like every task: ids and dates in, a service call, follow-up work
queued after the commit; safe to run again.
"""

from __future__ import annotations

import datetime

from celery import shared_task
from django.utils import timezone

from config.tasks import MAIL_RETRY, enqueue_on_commit
from vendors import reminders, services


@shared_task(name="vendors.tasks.send_vendor_expiry_reminders")
def send_vendor_expiry_reminders() -> int:
    """Daily sweep: queue one task per expiry (or model review) reminder due today; returns how many were
    queued. Expired approvals are announced too, so the use cases that depend on them are flagged."""
    today = timezone.localdate()
    services.vendor_approvals_expired(today=today)
    due = reminders.vendor_expiry_reminders_due(today=today)
    for target, target_id, kind in due:
        enqueue_on_commit(send_vendor_expiry_reminder, target, target_id, kind, today.isoformat())
    return len(due)


@shared_task(name="vendors.tasks.send_vendor_expiry_reminder", **MAIL_RETRY)
def send_vendor_expiry_reminder(target: str, target_id: int, kind: str, for_date_iso: str) -> bool:
    """Email procurement one expiry reminder; False when it was already sent or is no longer due."""
    log = reminders.send_expiry_reminder(
        target=target, target_id=target_id, kind=kind, for_date=datetime.date.fromisoformat(for_date_iso)
    )
    return log is not None
