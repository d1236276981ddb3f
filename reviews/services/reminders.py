"""Reminders about undecided reviews: due soon, overdue, escalated.

The daily sweep (``review_reminders_due``) reads what is due from the
database and queues one small task per reminder; each task calls
``send_review_reminder``, which inserts the log row and sends the email in
one transaction. The row goes in first, so a second worker handed the same
reminder waits on the row lock and then meets the unique constraint; a mail
failure rolls the row back, so the retry sends again. Running the sweep
twice (or two beats) therefore sends each reminder once.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterator

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from intake.choices import Activity, RaciLetter
from intake.lifecycle import FINAL_STAGES
from intake.models import RaciAssignment
from reviews.choices import UNDECIDED_STATUSES
from reviews.models import ReminderKind, ReminderLog, Review

from .workflow import REVIEWABLE_STATUSES

logger = logging.getLogger(__name__)

DUE_SOON_DAYS = 3
ESCALATE_AFTER_DAYS = 2
# Sent once per review, by the first sweep inside their window, so a missed
# day (beat or Redis down) catches up; the overdue reminder goes every day.
ONCE_PER_REVIEW = frozenset({ReminderKind.DUE_SOON, ReminderKind.ESCALATION})
# Rows the sweep holds at once: its memory is bounded by this, not by how many reviews are due.
CHUNK = 500

TEMPLATES = {
    ReminderKind.DUE_SOON: "reviews/email/reminder_due_soon.txt",
    ReminderKind.OVERDUE: "reviews/email/reminder_overdue.txt",
    ReminderKind.ESCALATION: "reviews/email/reminder_escalation.txt",
}


def reminder_kinds(*, due_date: datetime.date, today: datetime.date) -> list[str]:
    """The reminders a review due on ``due_date`` calls for on ``today``, before de-duplication."""
    days_left = (due_date - today).days
    if days_left > DUE_SOON_DAYS:
        return []
    if days_left >= 0:
        return [ReminderKind.DUE_SOON]
    if -days_left >= ESCALATE_AFTER_DAYS:
        return [ReminderKind.OVERDUE, ReminderKind.ESCALATION]
    return [ReminderKind.OVERDUE]


def review_reminders_due(*, today: datetime.date) -> Iterator[tuple[int, str]]:
    """(review id, kind) of every reminder due on ``today`` and not yet sent, soonest due first.

    Only undecided reviews of use cases still under review, and not stopped or retired, get
    reminders. One query, streamed in chunks, with what was already sent answered by the database
    beside each review: memory stays flat however many reviews are due (docs/benchmarks.md, reminder sweep).
    """
    sent = ReminderLog.objects.filter(review=OuterRef("pk"))
    rows = (
        Review.objects.filter(
            status__in=UNDECIDED_STATUSES,
            use_case__status__in=REVIEWABLE_STATUSES,
        ).exclude(use_case__stage__in=FINAL_STAGES).filter(
            due_date__lte=today + datetime.timedelta(days=DUE_SOON_DAYS),
        )
        .annotate(
            # Once per review for due-soon and escalation; once a day for overdue.
            sent_once=Exists(sent.filter(kind=ReminderKind.DUE_SOON)),
            sent_escalation=Exists(sent.filter(kind=ReminderKind.ESCALATION)),
            sent_today=Exists(sent.filter(kind=ReminderKind.OVERDUE, for_date=today)),
        )
        .order_by("due_date", "pk")
        .values_list("pk", "due_date", "sent_once", "sent_escalation", "sent_today")
    )
    for pk, due_date, sent_once, sent_escalation, sent_today in rows.iterator(chunk_size=CHUNK):
        already = {ReminderKind.DUE_SOON: sent_once, ReminderKind.ESCALATION: sent_escalation,
                   ReminderKind.OVERDUE: sent_today}
        for kind in reminder_kinds(due_date=due_date, today=today):
            if not already[kind]:
                yield pk, kind


def _emails(users) -> list[str]:
    return [user.email for user in users if user.is_active and user.email]


def _function_members(review: Review) -> list[str]:
    return _emails(get_user_model().objects.filter(groups__name=review.function, is_active=True))


def _go_no_go_accountable(review: Review) -> list[str]:
    """The go/no-go Accountable of the use case: a person, or every active member of a group."""
    assignment = (
        RaciAssignment.objects.filter(use_case_id=review.use_case_id, activity__key=Activity.GO_NO_GO,
                                      letter=RaciLetter.ACCOUNTABLE)
        .select_related("user", "group").first()
    )
    if assignment is None:
        return []
    if assignment.user_id:
        return _emails([assignment.user])
    return _emails(assignment.group.user_set.filter(is_active=True))


def reminder_recipients(review: Review, kind: str) -> list[str]:
    """Escalations go to the function and the go/no-go A; reminders to the assignee, else the function."""
    if kind == ReminderKind.ESCALATION:
        emails = [*_function_members(review), *_go_no_go_accountable(review)]
    else:
        assignee = review.assignee
        emails = _emails([assignee]) if assignee is not None else []
        emails = emails or _function_members(review)
    return sorted(set(emails))


def _still_due(review: Review, *, kind: str, for_date: datetime.date) -> bool:
    # A retry that runs past midnight is dropped: that day's sweep sends that day's reminder.
    if for_date < timezone.localdate():
        return False
    if review.is_decided or review.use_case.status not in REVIEWABLE_STATUSES:
        return False
    if kind not in reminder_kinds(due_date=review.due_date, today=for_date):
        return False
    return not (kind in ONCE_PER_REVIEW and review.reminders.filter(kind=kind).exists())


def _subject(review: Review, kind: str, days_left: int) -> str:
    what = f"{review.use_case.reference}: {review.get_function_display()} review"
    if kind == ReminderKind.DUE_SOON:
        when = "today" if days_left == 0 else f"in {days_left} day{'s' if days_left != 1 else ''}"
        return f"[Stagegate] {what} due {when}"
    late = f"overdue by {-days_left} day{'s' if days_left != -1 else ''}"
    prefix = "[Stagegate] ESCALATION " if kind == ReminderKind.ESCALATION else "[Stagegate] "
    return f"{prefix}{what} {late}"


def _send(review: Review, *, kind: str, for_date: datetime.date, recipients: list[str]) -> None:
    days_left = (review.due_date - for_date).days
    url = f"{settings.SITE_URL.rstrip('/')}{reverse('admin:reviews_review_change', args=[review.pk])}"
    body = render_to_string(TEMPLATES[kind], {"review": review, "days_left": days_left,
                                              "days_overdue": -days_left, "url": url})
    send_mail(_subject(review, kind, days_left), body, settings.DEFAULT_FROM_EMAIL, recipients,
              fail_silently=False)


@transaction.atomic
def send_review_reminder(*, review_id: int, kind: str, for_date: datetime.date) -> ReminderLog | None:
    """System: run by the scheduler, no user. Send one reminder and log it; None when it is no longer due,
    already sent, or has nobody to go to.

    A mail failure propagates (the caller retries) and leaves no log row.
    """
    review = Review.objects.select_for_update().filter(pk=review_id).first()
    if review is None or not _still_due(review, kind=kind, for_date=for_date):
        return None
    recipients = reminder_recipients(review, kind)
    if not recipients:
        logger.warning("No one to send the %s reminder of review %s to.", kind, review_id)
        return None
    try:
        with transaction.atomic():
            log = ReminderLog.objects.create(review=review, kind=kind, for_date=for_date, recipients=recipients)
    except IntegrityError:  # another worker has sent it
        return None
    # Sent inside the transaction on purpose: if the mail fails, the log row rolls back with it.
    _send(review, kind=kind, for_date=for_date, recipients=recipients)
    return log
