"""Drill 3: two workers racing the daily reminder sweep."""

from __future__ import annotations

import email
import time
from collections import Counter

from drills.results import Result, wait_for
from drills.stack import Stack

SEPARATOR = b"\n" + b"-" * 79 + b"\n"  # between messages in one file of Django's file-based mail backend


def sent_mail(stack: Stack) -> list[tuple[str, str]]:
    """(recipients, subject) of every email the drill's processes sent."""
    mails = []
    for path in sorted(stack.mail.glob("*")):
        for chunk in path.read_bytes().split(SEPARATOR):
            if chunk.strip():
                message = email.message_from_bytes(chunk)
                mails.append((str(message["To"]), str(message["Subject"])))
    return mails


def make_reminders_due(count: int = 6) -> int:
    """Move undecided reviews' due dates so today's sweep has reminders to send: half due tomorrow, half overdue."""
    import datetime

    from django.utils import timezone

    from reviews.choices import UNDECIDED_STATUSES
    from reviews.models import Review
    from reviews.services.workflow import REVIEWABLE_STATUSES

    today = timezone.localdate()
    ids = list(Review.objects.filter(status__in=UNDECIDED_STATUSES, use_case__status__in=REVIEWABLE_STATUSES)
               .order_by("-id").values_list("id", flat=True)[:count])
    for n, pk in enumerate(ids):
        days = 1 if n % 2 == 0 else -3
        Review.objects.filter(pk=pk).update(due_date=today + datetime.timedelta(days=days))
    return len(ids)


def other_sends() -> int:
    """Log rows of the sweep's other emails (risk-acceptance, pilot, measurement, incident, dependency and
    monitoring notices): one row per email sent, as for review reminders."""
    from reviews.models import (
        DependencyNotice,
        IncidentActionReminderLog,
        MeasurementReminderLog,
        MonitoringReminderLog,
        PilotReminderLog,
        RiskNotice,
    )

    return sum(model.objects.count() for model in (RiskNotice, PilotReminderLog, MeasurementReminderLog,
                                                   IncidentActionReminderLog, DependencyNotice,
                                                   MonitoringReminderLog))


def racing_sweeps(stack: Stack, shared: dict) -> Result:
    """Two workers racing the daily reminder sweep: each reminder sent exactly once."""
    from django.utils import timezone

    from config.celery import app
    from reviews.models import ReminderLog, Review
    from reviews.services import risk_notices
    from reviews.services.reminders import reminder_recipients, review_reminders_due

    result = Result("3. Two workers racing the daily reminder sweep")
    today = timezone.localdate()
    if not shared.get("reminders_made_due"):
        make_reminders_due()
    due = list(review_reminders_due(today=today))
    reachable = [(pk, kind) for pk, kind in due if reminder_recipients(Review.objects.get(pk=pk), kind)]
    notices = len(risk_notices.risk_acceptance_notices_due(today=today))
    logs_before, others_before = ReminderLog.objects.count(), other_sends()
    mails_before = len(sent_mail(stack))
    result.note(f"due today: {len(due)} review reminders ({len(reachable)} with someone to send to), "
                f"{notices} risk-acceptance notices")
    if not result.expect(reachable, "no reminder is due: the drill proves nothing"):
        return result
    started = time.monotonic()
    # One sweep on each worker (each consumes a queue of its own besides the shared ones), at once.
    sweeps = {name: app.send_task("reviews.tasks.send_review_reminders", queue=f"drill-{name}")
              for name in ("worker-a", "worker-b")}
    queued = {name: sweep.get(timeout=120) for name, sweep in sweeps.items()}
    finished = wait_for(lambda: ReminderLog.objects.count() - logs_before >= len(reachable), 120, 0.5)
    time.sleep(5)  # the second sweep's tasks, and anything sent twice, land now
    logs = ReminderLog.objects.count() - logs_before
    new_notices = other_sends() - others_before
    mails = sent_mail(stack)[mails_before:]
    doubled = [key for key, count in Counter(mails).items() if count > 1]
    result.note(f"one sweep sent to each worker at once; they queued {queued} reminder and notice tasks, "
                f"all done in {time.monotonic() - started:.0f} s")
    result.note(f"reminder log rows: {logs} new; other logged sends: {new_notices} new; emails: {len(mails)} sent, "
                f"{len(doubled)} sent twice")
    result.expect(finished, "the sweeps did not finish within 120 s")
    result.expect(logs == len(reachable), f"{logs} reminders logged, {len(reachable)} due")
    result.expect(len(mails) == logs + new_notices, f"{len(mails)} emails for {logs + new_notices} logged sends")
    result.expect(not doubled, f"emails sent twice: {doubled[:3]}")
    return result
