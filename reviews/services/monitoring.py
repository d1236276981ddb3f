"""Reviews of a live use case's monitoring plan: the plan (an artefact of type "monitoring_plan") is due
for review its tier's re-review cadence (``TierPolicy.rereview_days``) after it was uploaded; a newer plan
restarts the clock. Once overdue, the delivery owner and the monitoring A are reminded once per plan and
date, like review reminders: the log row goes in with the email, in one transaction.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from intake.choices import Activity, RaciLetter
from intake.models import RaciAssignment, TierPolicy
from reviews.models import Evidence, MonitoringReminderLog

from .dependencies import LIVE_STAGES
from .reminders import CHUNK

logger = logging.getLogger(__name__)

MONITORING_PLAN = "monitoring_plan"


def review_due_on(uploaded_at: datetime.datetime, cadence_days: int) -> datetime.date:
    return timezone.localdate(uploaded_at) + datetime.timedelta(days=cadence_days)


def current_plans():
    """The newest plan of each use case that no reviewer rejected (older ones were replaced)."""
    newer = Evidence.objects.filter(use_case=OuterRef("use_case"), artefact_type__key=MONITORING_PLAN,
                                    rejected_at__isnull=True, uploaded_at__gt=OuterRef("uploaded_at"))
    return (Evidence.objects.filter(artefact_type__key=MONITORING_PLAN, rejected_at__isnull=True)
            .exclude(Exists(newer)))


def monitoring_reminders_due(*, today: datetime.date) -> list[int]:
    """Ids of the live use cases' current monitoring plans whose review is overdue and not yet reminded.

    One pass over the plans, newest first within each use case, keeps the current ones: ``current_plans()``
    here would look up a newer plan for every plan, which SQLite does by artefact type, quadratically.
    """
    cadence = dict(TierPolicy.objects.values_list("tier", "rereview_days"))
    rows = (Evidence.objects.filter(artefact_type__key=MONITORING_PLAN, rejected_at__isnull=True,
                                    use_case__stage__in=LIVE_STAGES, use_case__risk_tier__in=list(cadence))
            .order_by("use_case_id", "-uploaded_at", "pk")
            .values_list("pk", "use_case_id", "uploaded_at", "use_case__risk_tier"))
    overdue, newest = {}, (None, None)
    for pk, use_case_id, uploaded_at, tier in rows.iterator(chunk_size=CHUNK):
        if newest[0] == use_case_id and newest[1] != uploaded_at:
            continue  # replaced by a newer plan
        newest = (use_case_id, uploaded_at)
        if (due := review_due_on(uploaded_at, cadence[tier])) < today:
            overdue[pk] = due
    # The reminders of the same plans, joined rather than listed: no parameter per plan, one query.
    logs = (MonitoringReminderLog.objects.filter(
        evidence__artefact_type__key=MONITORING_PLAN, evidence__rejected_at__isnull=True,
        evidence__use_case__stage__in=LIVE_STAGES).values_list("evidence_id", "due_on"))
    sent = {(pk, due) for pk, due in logs.iterator(chunk_size=CHUNK) if overdue.get(pk) == due}
    return [pk for pk, due in overdue.items() if (pk, due) not in sent]


def _recipients(evidence: Evidence) -> list[str]:
    use_case = evidence.use_case
    users = [use_case.delivery_owner] if use_case.delivery_owner_id else []
    for a in RaciAssignment.objects.filter(use_case=use_case, activity__key=Activity.MONITORING,
                                           letter=RaciLetter.ACCOUNTABLE).select_related("user", "group"):
        users += [a.user] if a.user_id else list(a.group.user_set.all())
    return sorted({u.email for u in users if u.is_active and u.email})


@transaction.atomic
def send_monitoring_reminder(*, evidence_id: int, for_date: datetime.date) -> MonitoringReminderLog | None:
    """System: run by a task, no user. Remind once that a monitoring plan's review is overdue; None when it
    is no longer due, already reminded or has nobody to go to. A mail failure leaves no log row."""
    if for_date < timezone.localdate():  # a retry past midnight: that day's sweep sends that day's reminder
        return None
    evidence = (current_plans().select_for_update(of=("self",)).select_related("use_case__delivery_owner")
                .filter(pk=evidence_id, use_case__stage__in=LIVE_STAGES).first())
    cadence = evidence and TierPolicy.objects.filter(tier=evidence.use_case.risk_tier).values_list(
        "rereview_days", flat=True).first()
    if not cadence:
        return None
    due_on = review_due_on(evidence.uploaded_at, cadence)
    if due_on >= for_date or MonitoringReminderLog.objects.filter(evidence=evidence, due_on=due_on).exists():
        return None
    recipients = _recipients(evidence)
    if not recipients:
        logger.warning("No one to remind about the monitoring plan %s.", evidence_id)
        return None
    try:
        with transaction.atomic():
            log = MonitoringReminderLog.objects.create(evidence=evidence, due_on=due_on, for_date=for_date,
                                                       recipients=recipients)
    except IntegrityError:  # another worker has sent it
        return None
    use_case = evidence.use_case
    url = f"{settings.SITE_URL.rstrip('/')}{reverse('intake:detail', args=[use_case.reference])}"
    body = render_to_string("reviews/email/monitoring_review_overdue.txt",
                            {"use_case": use_case, "evidence": evidence, "due_on": due_on, "url": url})
    send_mail(f"[Stagegate] {use_case.reference}: monitoring plan review overdue since {due_on:%d %b %Y}",
              body, settings.DEFAULT_FROM_EMAIL, recipients, fail_silently=False)
    return log
