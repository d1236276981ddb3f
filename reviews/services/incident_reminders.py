"""Reminders after an incident: its actions due soon or overdue (to each action's owner), and its
post-incident review overdue (to the incident's owner, else whoever reported it).

As review reminders: the daily sweep (``incident_reminders_due``) reads what is due in two queries and
queues one task per reminder; each task calls ``send_incident_reminder``, which inserts the log row and
sends the email in one transaction, so a second sweep on the same day (or a retried task) meets the
unique constraint and a mail failure leaves no row for the retry. An action hears "due soon" once, in
the ``DUE_SOON_DAYS`` before its date, and "overdue" once a day after it; an overdue review, once a day
until it is recorded or the incident is closed. System code: run by tasks, no user.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterator

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from intake.lifecycle import FINAL_STAGES
from reviews.models import (
    ActionStatus,
    Incident,
    IncidentAction,
    IncidentActionReminderLog,
    IncidentReminderKind,
    IncidentStatus,
    PostIncidentReview,
)
from reviews.notifications import one_line

from .reminders import CHUNK, DUE_SOON_DAYS

logger = logging.getLogger(__name__)
K = IncidentReminderKind
ACTION_KINDS = (K.ACTION_DUE_SOON, K.ACTION_OVERDUE)


def _actions_due(today: datetime.date) -> QuerySet[IncidentAction]:
    sent = IncidentActionReminderLog.objects.filter(action=OuterRef("pk"))
    return (IncidentAction.objects.filter(status=ActionStatus.OPEN,
                                          due_date__lte=today + datetime.timedelta(days=DUE_SOON_DAYS))
            .exclude(incident__use_case__stage__in=FINAL_STAGES)
            .annotate(sent_soon=Exists(sent.filter(kind=K.ACTION_DUE_SOON)),
                      sent_today=Exists(sent.filter(kind=K.ACTION_OVERDUE, for_date=today))))


def _action_kind(due_date: datetime.date, today: datetime.date) -> str:
    return K.ACTION_OVERDUE if due_date < today else K.ACTION_DUE_SOON


def _reviews_overdue(today: datetime.date) -> QuerySet[Incident]:
    sent = IncidentActionReminderLog.objects.filter(incident=OuterRef("pk"), action__isnull=True,
                                                    kind=K.REVIEW_OVERDUE, for_date=today)
    return (Incident.objects.filter(review_due__lt=today)
            .exclude(status=IncidentStatus.CLOSED).exclude(use_case__stage__in=FINAL_STAGES)
            .exclude(Exists(PostIncidentReview.objects.filter(incident=OuterRef("pk"))))
            .exclude(Exists(sent)))


def incident_reminders_due(*, today: datetime.date) -> Iterator[tuple[str, int]]:
    """(kind, action or incident id) of every incident reminder due on ``today`` and not yet sent.

    Two queries, streamed in chunks, with what was already sent answered by the database beside each row.
    """
    rows = _actions_due(today).order_by("due_date", "pk").values_list("pk", "due_date", "sent_soon", "sent_today")
    for pk, due_date, sent_soon, sent_today in rows.iterator(chunk_size=CHUNK):
        kind = _action_kind(due_date, today)
        if not (sent_today if kind == K.ACTION_OVERDUE else sent_soon):
            yield kind, pk
    overdue = _reviews_overdue(today).order_by("review_due", "pk").values_list("pk", flat=True)
    for pk in overdue.iterator(chunk_size=CHUNK):
        yield K.REVIEW_OVERDUE, pk


def _still_due(kind: str, object_id: int, today: datetime.date) -> bool:
    if today < timezone.localdate():  # a retry past midnight: that day's sweep sends that day's reminder
        return False
    if kind in ACTION_KINDS:
        due = _actions_due(today).filter(pk=object_id).values_list("due_date", "sent_soon").first()
        return due is not None and _action_kind(due[0], today) == kind and not (kind == K.ACTION_DUE_SOON
                                                                                 and due[1])
    return _reviews_overdue(today).filter(pk=object_id).exists()


def _page_url(incident: Incident) -> str:
    try:
        path = reverse("reviews:incident_edit", args=[incident.use_case.reference, incident.pk])
    except NoReverseMatch:  # pages not mounted (an API-only deployment)
        return ""
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def _message(kind: str, incident: Incident, action: IncidentAction | None, today: datetime.date):
    """(subject, body, recipients) of one reminder."""
    what = f"{incident.use_case.reference}: incident \u201c{incident.title}\u201d"
    if action is None:
        person, due = incident.owner or incident.reported_by, incident.review_due
        subject = f"[Stagegate] {what}: post-incident review overdue"
    else:
        person, due = action.owner, action.due_date
        subject = f"[Stagegate] {what}: an action is {'overdue' if kind == K.ACTION_OVERDUE else 'due soon'}"
    days_left = (due - today).days
    body = render_to_string("reviews/email/incident_reminder.txt", {
        "kind": kind, "incident": incident, "action": action, "due": due, "days_left": days_left,
        "days_overdue": -days_left, "url": _page_url(incident)})
    recipients = [person.email] if person is not None and person.is_active and person.email else []
    return one_line(subject), body, recipients


@transaction.atomic
def send_incident_reminder(*, kind: str, object_id: int, for_date: datetime.date) -> IncidentActionReminderLog | None:
    """System: run by the scheduler, no user. Send one reminder and log it; None when it is no longer due,
    already sent, or has nobody to go to. A mail failure propagates (the caller retries) and leaves no log row.
    """
    if kind not in K.values:
        return None
    action = None
    if kind in ACTION_KINDS:
        action = (IncidentAction.objects.select_for_update(of=("self",))
                  .select_related("owner", "incident__use_case", "incident__owner").filter(pk=object_id).first())
        incident = action.incident if action else None
    else:
        incident = (Incident.objects.select_for_update(of=("self",))
                    .select_related("use_case", "owner", "reported_by").filter(pk=object_id).first())
    if incident is None or not _still_due(kind, object_id, for_date):
        return None
    subject, body, recipients = _message(kind, incident, action, for_date)
    if not recipients:
        logger.warning("No one to send the %s reminder of incident %s to.", kind, incident.pk)
        return None
    try:
        with transaction.atomic():
            log = IncidentActionReminderLog.objects.create(incident=incident, action=action, kind=kind,
                                                           for_date=for_date, recipients=recipients)
    except IntegrityError:  # another worker has sent it
        return None
    # Sent inside the transaction on purpose: if the mail fails, the log row rolls back with it.
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients, fail_silently=False)
    return log
