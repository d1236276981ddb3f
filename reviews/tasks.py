"""Scheduled work of the reviews app. Task names are a contract (beat schedules name them).

Tasks are thin: they take ids and dates (never objects), call a service and
queue follow-up work only after the commit. Each is safe to run again: what
was done is read back from the database, not remembered.
"""

from __future__ import annotations

import datetime

from celery import shared_task
from django.utils import timezone

from config.tasks import MAIL_RETRY, enqueue_on_commit
from reviews import dependency_tasks, services
from reviews.services import evidence, incident_reminders, pilots, risk_notices, value


@shared_task(name="reviews.tasks.send_review_reminders")
def send_review_reminders() -> int:
    """Daily sweep: queue one task per review reminder and per risk-acceptance expiry notice due today;
    returns how many were queued."""
    today = timezone.localdate()
    queued = 0
    for review_id, kind in services.review_reminders_due(today=today):  # streamed: flat memory
        enqueue_on_commit(send_review_reminder, review_id, kind, today.isoformat())
        queued += 1
    queued += _queue_pilot_reminders(today)
    queued += _queue_measurement_reminders(today)
    queued += _queue_incident_reminders(today)
    queued += dependency_tasks.queue_monitoring_reminders(today)
    queued += dependency_tasks.queue_dependency_notices()
    return queued + _queue_risk_acceptance_notices(today)  # the same daily beat


def _queue_risk_acceptance_notices(today: datetime.date) -> int:
    # One task per notice, as for review reminders: a failing address retries alone, the others still go.
    due = risk_notices.risk_acceptance_notices_due(today=today)
    for acceptance_id, kind in due:
        enqueue_on_commit(send_risk_acceptance_notice, acceptance_id, kind, today.isoformat())
    return len(due)


@shared_task(name="reviews.tasks.send_review_reminder", **MAIL_RETRY)
def send_review_reminder(review_id: int, kind: str, for_date_iso: str) -> bool:
    """Send one reminder; False when it was already sent or is no longer due."""
    log = services.send_review_reminder(
        review_id=review_id, kind=kind, for_date=datetime.date.fromisoformat(for_date_iso)
    )
    return log is not None


@shared_task(name="reviews.tasks.schedule_rereviews")
def schedule_rereviews() -> list[int]:
    """Daily: open the next review cycle of use cases in operation whose re-review is due."""
    return [use_case.pk for use_case in services.rereviews_open_due(today=timezone.localdate())]


@shared_task(name="reviews.tasks.send_incident_alert", **MAIL_RETRY)
def send_incident_alert(incident_id: int, history_id: int) -> bool:
    """Send one severity-1 incident alert; False when it was already sent or has nobody to go to.

    Queued after the incident is saved (reviews.notifications); a mail failure is retried with backoff.
    """
    return evidence.send_incident_alert(incident_id=incident_id, history_id=history_id) is not None


@shared_task(name="reviews.tasks.send_risk_threshold_notice", **MAIL_RETRY)
def send_risk_threshold_notice(risk_id: int, history_id: int) -> bool:
    """Tell a risk's owner and the go/no-go A it reached its threshold; False when already told or no longer due."""
    return risk_notices.send_threshold_notice(risk_id=risk_id, history_id=history_id) is not None


@shared_task(name="reviews.tasks.send_risk_acceptance_notice", **MAIL_RETRY)
def send_risk_acceptance_notice(acceptance_id: int, kind: str, for_date_iso: str) -> bool:
    """Queued by the daily sweep: one expiry notice of one acceptance; False when already sent or no longer due."""
    notice = risk_notices.send_acceptance_notice(acceptance_id=acceptance_id, kind=kind,
                                                 today=datetime.date.fromisoformat(for_date_iso))
    return notice is not None


def _queue_pilot_reminders(today: datetime.date) -> int:
    due = pilots.pilot_reminders_due(today=today)
    for use_case_id, kind in due:
        enqueue_on_commit(send_pilot_reminder, use_case_id, kind, today.isoformat())
    return len(due)


@shared_task(name="reviews.tasks.send_pilot_reminder", **MAIL_RETRY)
def send_pilot_reminder(use_case_id: int, kind: str, for_date_iso: str) -> bool:
    """Queued by the daily sweep: a pilot ending soon, or overrun; False when already sent or no longer due."""
    log = pilots.send_pilot_reminder(use_case_id=use_case_id, kind=kind,
                                     for_date=datetime.date.fromisoformat(for_date_iso))
    return log is not None


def _queue_measurement_reminders(today: datetime.date) -> int:
    queued = 0
    for kpi_id, _due_on in value.measurement_reminders_due(today=today):  # streamed: flat memory
        enqueue_on_commit(send_measurement_reminder, kpi_id, today.isoformat())
        queued += 1
    return queued


@shared_task(name="reviews.tasks.send_measurement_reminder", **MAIL_RETRY)
def send_measurement_reminder(kpi_id: int, for_date_iso: str) -> bool:
    """Queued by the daily sweep: remind a KPI's owner of a missing measurement; False when already reminded
    for that due day, measured since, or nobody to remind."""
    log = value.send_measurement_reminder(kpi_id=kpi_id, for_date=datetime.date.fromisoformat(for_date_iso))
    return log is not None


def _queue_incident_reminders(today: datetime.date) -> int:
    # One task per reminder, as for review reminders: a failing address retries alone.
    queued = 0
    for kind, object_id in incident_reminders.incident_reminders_due(today=today):  # streamed: flat memory
        enqueue_on_commit(send_incident_reminder, kind, object_id, today.isoformat())
        queued += 1
    return queued


@shared_task(name="reviews.tasks.send_incident_reminder", **MAIL_RETRY)
def send_incident_reminder(kind: str, object_id: int, for_date_iso: str) -> bool:
    """Queued by the daily sweep: one reminder of an incident action (or an overdue post-incident review);
    False when already sent, no longer due, or nobody to remind."""
    log = incident_reminders.send_incident_reminder(kind=kind, object_id=object_id,
                                                    for_date=datetime.date.fromisoformat(for_date_iso))
    return log is not None
