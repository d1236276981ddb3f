"""Emails about the risk register at the gates, each sent once (governance model, section 7).

A risk that newly reaches its escalation threshold tells its owner and the use case's go/no-go A; an
acceptance about to end (``EXPIRY_WARNING_DAYS`` before) or ended tells whoever accepted it too. Each email
is a ``RiskNotice`` row committed with it: the row goes in first under the risk's row lock, so a task run
twice (a retry, two beats) meets the unique constraint, and a mail failure rolls the row back for the retry.
Expiry notices fan out as review reminders do: the daily sweep queues one task per (acceptance, kind) due.
System code: run by tasks, no user.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse

from intake.choices import Activity, RaciLetter
from intake.models import RaciAssignment
from reviews.models import Risk, RiskAcceptance, RiskNotice, RiskNoticeKind
from reviews.notifications import one_line
from reviews.selectors.risk_gate import current_acceptances, day, still_needed

logger = logging.getLogger(__name__)

EXPIRY_WARNING_DAYS = 14
EXPIRY_KINDS = (RiskNoticeKind.ACCEPTANCE_EXPIRING, RiskNoticeKind.ACCEPTANCE_EXPIRED)


# ---------------------------------------------------------------- who hears


def _emails(users) -> list[str]:
    return [user.email for user in users if user is not None and user.is_active and user.email]


def _go_no_go_accountable(use_case_id: int) -> list[str]:
    """The go/no-go Accountable: a person, or every active member of a group."""
    assignment = (RaciAssignment.objects.filter(use_case_id=use_case_id, activity__key=Activity.GO_NO_GO,
                                                letter=RaciLetter.ACCOUNTABLE).select_related("user", "group").first())
    if assignment is None:
        return []
    return _emails([assignment.user] if assignment.user_id else assignment.group.user_set.filter(is_active=True))


def threshold_recipients(risk: Risk) -> list[str]:
    return sorted({*_emails([risk.owner]), *_go_no_go_accountable(risk.use_case_id)})


def acceptance_recipients(acceptance: RiskAcceptance) -> list[str]:
    risk = acceptance.risk
    return sorted({*_emails([acceptance.accepted_by, risk.owner]), *_go_no_go_accountable(risk.use_case_id)})


def _register_url(risk: Risk) -> str:
    try:
        path = reverse("reviews:risks", args=[risk.use_case.reference])
    except NoReverseMatch:  # pages not mounted (an API-only deployment)
        return ""
    return f"{settings.SITE_URL.rstrip('/')}{path}#risk-{risk.pk}"


def _send_once(risk: Risk, *, kind: str, key: int, subject: str, body: str, recipients: list[str]):
    """Log, then send; None when already sent or there is nobody to tell. Call under the risk's row lock."""
    if not recipients:
        logger.warning("No one to send the %s notice of risk %s to.", kind, risk.pk)
        return None
    try:
        with transaction.atomic():
            notice = RiskNotice.objects.create(risk=risk, kind=kind, key=key, recipients=recipients)
    except IntegrityError:  # already sent
        return None
    # Sent inside the transaction on purpose: if the mail fails, the log row rolls back with it.
    send_mail(one_line(subject), body, settings.DEFAULT_FROM_EMAIL, recipients, fail_silently=False)
    return notice


# ---------------------------------------------------------------- threshold crossed


def threshold_crossed(risk: Risk) -> None:
    """The save of ``risk`` made it newly need escalation: queue its notice once the transaction commits.

    The key is the risk's history row of that save, so each crossing is told once. As the severity-1 alert,
    a broker that is down (or the in-process run's mail failure) is logged, never raised into the save.
    """
    risk_id = risk.pk
    history_id = risk.history.order_by("-history_id").values_list("history_id", flat=True).first() or 0

    def queue_threshold_notice() -> None:
        from reviews.tasks import send_risk_threshold_notice  # tasks import the services

        try:
            send_risk_threshold_notice.delay(risk_id, history_id)
        except Exception as exc:  # logged: the risk is saved whatever the mail does
            logger.error("Threshold notice of risk %s not sent (%s): %s", risk_id, type(exc).__name__, exc)

    transaction.on_commit(queue_threshold_notice, robust=True)


@transaction.atomic
def send_threshold_notice(*, risk_id: int, history_id: int) -> RiskNotice | None:
    """Tell the risk's owner and the go/no-go A that it crossed its threshold; None when it is gone, back
    under its threshold by now, or already told. A mail failure propagates (the task retries)."""
    risk = Risk.objects.select_for_update(of=("self",)).select_related("use_case", "owner").filter(pk=risk_id).first()
    if risk is None or not risk.needs_escalation:
        return None
    use_case = risk.use_case
    subject = (f"[Stagegate] {use_case.reference}: a risk reached its escalation threshold "
               f"({risk.get_area_display()}, {risk.score} against {risk.escalation_threshold})")
    body = render_to_string("reviews/email/risk_threshold_crossed.txt",
                            {"risk": risk, "use_case": use_case, "url": _register_url(risk)})
    return _send_once(risk, kind=RiskNoticeKind.THRESHOLD_CROSSED, key=history_id, subject=subject, body=body,
                      recipients=threshold_recipients(risk))


# ---------------------------------------------------------------- acceptances ending


def _due(kind: str, today: datetime.date) -> QuerySet[RiskAcceptance]:
    """Current acceptances of risks still over their threshold with the ``kind`` notice due and not yet sent."""
    sent = RiskNotice.objects.filter(risk=OuterRef("risk"), kind=kind, key=OuterRef("pk"))
    rows = still_needed(current_acceptances()).exclude(Exists(sent))
    if kind == RiskNoticeKind.ACCEPTANCE_EXPIRED:
        return rows.filter(expires_on__lte=today)
    return rows.filter(expires_on__gt=today, expires_on__lte=today + datetime.timedelta(days=EXPIRY_WARNING_DAYS))


def risk_acceptance_notices_due(*, today: datetime.date) -> list[tuple[int, str]]:
    """(acceptance id, kind) of every expiry notice due on ``today`` and not yet sent: the daily sweep queues
    one ``send_acceptance_notice`` task for each, so one address that fails never holds back the others."""
    return [(pk, kind) for kind in EXPIRY_KINDS for pk in _due(kind, today).order_by("pk").values_list("pk", flat=True)]


@transaction.atomic
def send_acceptance_notice(*, acceptance_id: int, kind: str, today: datetime.date) -> RiskNotice | None:
    """One expiry notice to the acceptor, the risk's owner and the go/no-go A; None when no longer due
    (accepted again, risk reduced, already sent). A mail failure propagates and leaves no row."""
    acceptance = (RiskAcceptance.objects.select_related("risk__use_case", "risk__owner", "accepted_by")
                  .filter(pk=acceptance_id).first())
    if acceptance is None or kind not in EXPIRY_KINDS:
        return None
    risk = Risk.objects.select_for_update(of=("self",)).select_related("use_case", "owner").get(pk=acceptance.risk_id)
    if not _due(kind, today).filter(pk=acceptance_id).exists():
        return None
    acceptance.risk = risk
    expired = kind == RiskNoticeKind.ACCEPTANCE_EXPIRED
    what = "has expired" if expired else f"ends on {day(acceptance.expires_on)}"
    subject = f"[Stagegate] {risk.use_case.reference}: the acceptance of a risk {what} ({risk.get_area_display()})"
    body = render_to_string("reviews/email/risk_acceptance_expiry.txt", {
        "acceptance": acceptance, "risk": risk, "use_case": risk.use_case, "expired": expired,
        "until": day(acceptance.expires_on), "days_left": (acceptance.expires_on - today).days,
        "url": _register_url(risk)})
    return _send_once(risk, kind=kind, key=acceptance.pk, subject=subject, body=body,
                      recipients=acceptance_recipients(acceptance))
