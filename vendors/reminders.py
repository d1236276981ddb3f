"""Expiry reminders to procurement: vendor approvals and certifications.

Each approval or certification is reminded twice per expiry date: once when
it comes within ``EXPIRY_WINDOW_DAYS`` ("expiring"), once when it has lapsed
("expired"). The first sweep inside each window sends it, so a missed day
catches up; a renewal (a new expiry date) starts over. As for review
reminders, the daily sweep reads what is due from the database and queues
one task per reminder, and ``send_expiry_reminder`` inserts the log row
before sending in one transaction: a duplicate meets the unique constraint,
a mail failure rolls the row back for the retry.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from vendors.choices import APPROVED_STATUSES, CertificationKind, ModelStatus, VendorStatus
from vendors.models import AIModel, Certification, ExpiryReminderKind, Vendor, VendorReminderLog

logger = logging.getLogger(__name__)

EXPIRY_WINDOW_DAYS = 30
PROCUREMENT_GROUP = "procurement"
VENDOR, CERTIFICATION, MODEL = "vendor", "certification", "model"
# The log's column for each target; a model's review date is reminded like an expiry.
LOG_FIELD = {VENDOR: "vendor", CERTIFICATION: "certification", MODEL: "ai_model"}
# Nobody needs reminding about the certifications of a vendor that is gone.
INACTIVE_VENDOR_STATUSES = (VendorStatus.REJECTED, VendorStatus.OFFBOARDED)


def expiry_kind(*, expires_on: datetime.date, today: datetime.date) -> str | None:
    """The reminder an expiry date calls for on ``today``: expired, expiring (within the window) or None."""
    if expires_on < today:
        return ExpiryReminderKind.EXPIRED
    if expires_on <= today + datetime.timedelta(days=EXPIRY_WINDOW_DAYS):
        return ExpiryReminderKind.EXPIRING
    return None


def _approvals(today: datetime.date) -> QuerySet[Vendor]:
    horizon = today + datetime.timedelta(days=EXPIRY_WINDOW_DAYS)
    return Vendor.objects.filter(status__in=APPROVED_STATUSES, approval_expires__lte=horizon)


def _certifications(today: datetime.date) -> QuerySet[Certification]:
    horizon = today + datetime.timedelta(days=EXPIRY_WINDOW_DAYS)
    # A certification already renewed (the same one again, lasting longer) needs no reminder.
    renewed = (
        Certification.objects.filter(vendor=OuterRef("vendor"), kind=OuterRef("kind"))
        .exclude(pk=OuterRef("pk"))
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gt=OuterRef("expires_on")))
        .filter(~Q(kind=CertificationKind.OTHER) | Q(name=OuterRef("name")))  # "other" ones differ by name
    )
    return (
        Certification.objects.filter(expires_on__lte=horizon)
        .exclude(vendor__status__in=INACTIVE_VENDOR_STATUSES)
        .exclude(Exists(renewed))
    )


def _model_reviews(today: datetime.date) -> QuerySet[AIModel]:
    horizon = today + datetime.timedelta(days=EXPIRY_WINDOW_DAYS)
    # A banned model is not reviewed for further use.
    return AIModel.objects.filter(next_review_date__lte=horizon).exclude(status=ModelStatus.BANNED)


def _due(target: str, rows: QuerySet, field: str, today: datetime.date) -> list[tuple[str, int, str]]:
    column = LOG_FIELD[target]
    reminded = set(
        VendorReminderLog.objects.filter(**{f"{column}__in": rows.values("pk")})
        .values_list(f"{column}_id", "kind", "expires_on")
    )
    due = []
    for pk, expires_on in rows.order_by(field, "pk").values_list("pk", field):
        kind = expiry_kind(expires_on=expires_on, today=today)
        if kind and (pk, kind, expires_on) not in reminded:
            due.append((target, pk, kind))
    return due


def vendor_expiry_reminders_due(*, today: datetime.date) -> list[tuple[str, int, str]]:
    """(target, id, kind) of every expiry reminder due on ``today``; target is "vendor", "certification" or
    "model" (its review date)."""
    return [
        *_due(VENDOR, _approvals(today), "approval_expires", today),
        *_due(CERTIFICATION, _certifications(today), "expires_on", today),
        *_due(MODEL, _model_reviews(today), "next_review_date", today),
    ]


def procurement_emails() -> list[str]:
    users = get_user_model().objects.filter(groups__name=PROCUREMENT_GROUP, is_active=True)
    return sorted({email for email in users.values_list("email", flat=True) if email})


def _locked(target: str, pk: int, today: datetime.date) -> Vendor | Certification | AIModel | None:
    """The row under lock, if it still calls for a reminder."""
    if target == VENDOR:
        return _approvals(today).select_for_update().filter(pk=pk).first()
    if target == CERTIFICATION:
        return _certifications(today).select_for_update(of=("self",)).filter(pk=pk).first()
    if target == MODEL:
        return _model_reviews(today).select_for_update().select_related("provider").filter(pk=pk).first()
    return None


def _expires_on(obj: Vendor | Certification | AIModel) -> datetime.date:
    if isinstance(obj, AIModel):
        return obj.next_review_date
    return obj.approval_expires if isinstance(obj, Vendor) else obj.expires_on


def _admin_url(obj: Vendor | AIModel) -> str:
    name = "admin:vendors_aimodel_change" if isinstance(obj, AIModel) else "admin:vendors_vendor_change"
    try:
        return f"{settings.SITE_URL.rstrip('/')}{reverse(name, args=[obj.pk])}"
    except NoReverseMatch:  # admin not mounted
        return ""


def _what(obj: Vendor | Certification | AIModel, target: str) -> str:
    if target == MODEL:
        return f"review of {obj}"
    return f"{obj} approval" if target == VENDOR else f"{obj.vendor} {obj.display_name} certification"


def _send(obj: Vendor | Certification | AIModel, *, target: str, kind: str, expires_on: datetime.date,
          for_date: datetime.date, recipients: list[str]) -> None:
    vendor = {VENDOR: obj, MODEL: getattr(obj, "provider", None)}.get(target) or obj.vendor
    what = _what(obj, target)
    state = "expired" if kind == ExpiryReminderKind.EXPIRED else "expires"
    if target == MODEL:
        state = "overdue since" if kind == ExpiryReminderKind.EXPIRED else "due"
    context = {"target": target, "vendor": vendor, "certification": obj if target == CERTIFICATION else None,
               "model": obj if target == MODEL else None,
               "what": what, "kind": kind, "expires_on": expires_on, "days_left": (expires_on - for_date).days,
               "url": _admin_url(obj if target == MODEL else vendor)}
    template = "vendors/email/model_review_reminder.txt" if target == MODEL else "vendors/email/expiry_reminder.txt"
    body = render_to_string(template, context)
    subject = f"[Stagegate] {what} {state} {expires_on:%d %b %Y}"
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients, fail_silently=False)


@transaction.atomic
def send_expiry_reminder(
    *, target: str, target_id: int, kind: str, for_date: datetime.date
) -> VendorReminderLog | None:
    """System: run by the scheduler, no user. Email procurement one expiry reminder and log it; None when
    no longer due, already sent or nobody to tell.

    A mail failure propagates (the caller retries) and leaves no log row.
    """
    # A retry that runs past midnight is dropped: that day's sweep sends that day's reminder.
    if for_date < timezone.localdate():
        return None
    obj = _locked(target, target_id, for_date)
    if obj is None:
        return None
    expires_on, about = _expires_on(obj), {LOG_FIELD[target]: obj}
    if expiry_kind(expires_on=expires_on, today=for_date) != kind:
        return None
    if VendorReminderLog.objects.filter(**about, kind=kind, expires_on=expires_on).exists():
        return None
    recipients = procurement_emails()
    if not recipients:
        logger.warning("No active member of %r to send the %s reminder of %s %s to.",
                       PROCUREMENT_GROUP, kind, target, target_id)
        return None
    try:
        with transaction.atomic():
            log = VendorReminderLog.objects.create(**about, kind=kind, expires_on=expires_on, for_date=for_date,
                                                   recipients=recipients)
    except IntegrityError:  # another worker has sent it
        return None
    # Sent inside the transaction on purpose: if the mail fails, the log row rolls back with it.
    _send(obj, target=target, kind=kind, expires_on=expires_on, for_date=for_date, recipients=recipients)
    return log
