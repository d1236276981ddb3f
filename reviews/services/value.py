"""A KPI's measurement and value settings, and reminders of missing measurements.

The daily sweep (``measurement_reminders_due``) reads which measurements are overdue and queues one
task per KPI; each task calls ``send_measurement_reminder``, which inserts the log row and sends the
email in one transaction, as review reminders do (``reviews.services.reminders``). A KPI is reminded
once per due day it misses: a weekly KPI left unmeasured is reminded once a week, not every day.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterator, Mapping
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from intake import permissions
from intake.choices import Activity, KPICadence, RaciLetter
from intake.models import KPI, RaciAssignment
from intake.permissions import Action
from reviews.models import MeasurementReminderLog
from reviews.selectors.value import OverdueMeasurement, overdue_measurements

logger = logging.getLogger(__name__)

KPI_VALUE_FIELDS = ("cadence", "owner", "value_type", "unit_value")
CADENCE_MESSAGE = f"Choose how often it is measured: {', '.join(KPICadence.values)} (blank follows the policy)."


@transaction.atomic
def kpi_value_set(*, kpi: KPI, actor: AbstractBaseUser, data: Mapping[str, Any]) -> KPI:
    """Set how often a KPI is measured, who measures it, its value type and its monetary value per unit.

    Every problem is reported at its field; nothing is saved unless all of it is valid.
    """
    permissions.require(actor, Action.MANAGE_EVIDENCE, kpi.use_case)
    if unknown := sorted(set(data) - set(KPI_VALUE_FIELDS)):
        raise ValidationError(dict.fromkeys(unknown, "Unknown field."))
    kpi = KPI.objects.select_for_update().select_related("use_case").get(pk=kpi.pk)
    errors: dict[str, list[str]] = {}
    cadence = data.get("cadence", kpi.cadence)
    if cadence is None or (cadence and cadence not in KPICadence.values):
        errors["cadence"] = [CADENCE_MESSAGE]
    owner = data.get("owner", kpi.owner)
    if owner is not None and not (isinstance(owner, AbstractBaseUser) and owner.is_active):
        errors["owner"] = ["Choose an active user as the KPI's owner."]
    for name, value in data.items():
        if name not in errors:
            setattr(kpi, name, value)
    try:
        kpi.full_clean(exclude=["use_case", *errors])
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    kpi._history_user = actor
    kpi.save()
    return kpi


# ---------------------------------------------------------------- reminders


def measurement_reminders_due(*, today: datetime.date) -> Iterator[tuple[int, datetime.date]]:
    """(KPI id, due day) of every overdue measurement not yet reminded for that due day (one query, streamed)."""
    for overdue, last_reminded in overdue_measurements(KPI.objects.all(), today=today):
        if last_reminded is None or last_reminded < overdue.due_on:
            yield overdue.kpi_id, overdue.due_on


def _emails(users) -> list[str]:
    return [user.email for user in users if user is not None and user.is_active and user.email]


def _delivery_owner(kpi: KPI) -> list[str]:
    """Whoever the RACI makes Responsible for delivery (the delivery owner by default), else its Accountable,
    else the use case's named delivery owner; a group stands for its active members."""
    rows = (RaciAssignment.objects.filter(use_case_id=kpi.use_case_id, activity__key=Activity.DELIVERY,
                                          letter__in=(RaciLetter.RESPONSIBLE, RaciLetter.ACCOUNTABLE))
            .select_related("user", "group"))
    by_letter: dict[str, list[str]] = {}
    for row in rows:
        members = [row.user] if row.user_id else row.group.user_set.filter(is_active=True)
        by_letter.setdefault(row.letter, []).extend(_emails(members))
    return (by_letter.get(RaciLetter.RESPONSIBLE) or by_letter.get(RaciLetter.ACCOUNTABLE)
            or _emails([kpi.use_case.delivery_owner]))


def measurement_recipients(kpi: KPI) -> list[str]:
    """The KPI's owner; without one (or an inactive one), the use case's delivery owner by its RACI."""
    return sorted(set(_emails([kpi.owner]) or _delivery_owner(kpi)))


def _still_due(kpi: KPI, for_date: datetime.date) -> OverdueMeasurement | None:
    # A retry that runs past midnight is dropped: that day's sweep sends what is due that day.
    if for_date < timezone.localdate():
        return None
    return next((row for row, _ in overdue_measurements(KPI.objects.filter(pk=kpi.pk), today=for_date)), None)


def _send(kpi: KPI, overdue: OverdueMeasurement, recipients: list[str]) -> None:
    url = f"{settings.SITE_URL.rstrip('/')}{reverse('reviews:kpis', args=[kpi.use_case.reference])}#add-measurement"
    body = render_to_string("reviews/email/measurement_overdue.txt",
                            {"kpi": kpi, "overdue": overdue, "use_case": kpi.use_case, "url": url})
    subject = f"[Stagegate] {kpi.use_case.reference}: measurement of {kpi.name} overdue"
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients, fail_silently=False)


@transaction.atomic
def send_measurement_reminder(*, kpi_id: int, for_date: datetime.date) -> MeasurementReminderLog | None:
    """System: run by the scheduler, no user. Remind the KPI's owner of its missing measurement and log it;
    None when it has been measured since, was already reminded for that due day, or has nobody to go to.

    A mail failure propagates (the caller retries) and leaves no log row.
    """
    kpi = KPI.objects.select_for_update(of=("self",)).select_related("use_case", "owner").filter(pk=kpi_id).first()
    overdue = None if kpi is None else _still_due(kpi, for_date)
    if overdue is None:
        return None
    recipients = measurement_recipients(kpi)
    if not recipients:
        logger.warning("No one to remind of the missing measurement of KPI %s.", kpi_id)
        return None
    try:
        with transaction.atomic():
            log = MeasurementReminderLog.objects.create(kpi=kpi, due_on=overdue.due_on, for_date=for_date,
                                                        recipients=recipients)
    except IntegrityError:  # already reminded for this due day
        return None
    # Sent inside the transaction on purpose: if the mail fails, the log row rolls back with it.
    _send(kpi, overdue, recipients)
    return log
