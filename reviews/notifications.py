"""Emails of the review workflow, sent only once the transaction commits.

A rolled-back decision must not tell anyone it happened, so every message
is rendered now (while the data is at hand) and handed to ``on_commit``.
``robust`` keeps a mail-server failure from turning a committed decision
into an error page; the failure is logged instead.

The severity-1 incident alert matters most, so it is a Celery task of its own
(``reviews.tasks.send_incident_alert``): queued after the commit, retried when
the mail server fails, logged once sent (``IncidentAlert``). Subjects are
always one line, whatever people typed into the titles they quote.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse

from reviews.models import Incident, Review

logger = logging.getLogger(__name__)
MAX_SUBJECT = 200


def one_line(text: str, limit: int = MAX_SUBJECT) -> str:
    """``text`` with every run of whitespace (line breaks included) as one space, cut at ``limit``."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def _review_url(review: Review) -> str:
    return _absolute(reverse("admin:reviews_review_change", args=[review.pk]))


def _use_case_url(review: Review) -> str:
    try:
        return _absolute(reverse("intake:detail", args=[review.use_case.reference]))
    except NoReverseMatch:  # intake pages not mounted (e.g. an API-only deployment)
        return ""


def _send_after_commit(*, subject: str, template: str, context: dict, recipients: Iterable[str]) -> None:
    to = sorted({address for address in recipients if address})
    if not to:
        return
    body = render_to_string(template, context)
    subject = one_line(subject)

    # A named function, not a partial: Django logs a robust callback's failure by its __qualname__,
    # which a partial lacks (the logging itself would then fail, into the request).
    def send() -> None:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, to, fail_silently=False)

    transaction.on_commit(send, robust=True)


def _subject(review: Review, what: str) -> str:
    return f"[Stagegate] {review.use_case.reference}: {review.get_function_display()} review {what}"


def review_assigned(review: Review, *, actor) -> None:
    _send_after_commit(
        subject=_subject(review, "assigned to you"),
        template="reviews/email/review_assigned.txt",
        context={"review": review, "actor": actor, "url": _review_url(review)},
        recipients=[review.assignee.email] if review.assignee else [],
    )


def changes_requested(review: Review, *, actor) -> None:
    _send_after_commit(
        subject=_subject(review, "requests changes"),
        template="reviews/email/changes_requested.txt",
        context={"review": review, "actor": actor, "url": _use_case_url(review)},
        recipients=[review.use_case.created_by.email],
    )


def review_escalated(review: Review, *, actor) -> None:
    members = get_user_model().objects.filter(groups__name=review.function, is_active=True)
    _send_after_commit(
        subject=_subject(review, "escalated"),
        template="reviews/email/review_escalated.txt",
        context={"review": review, "actor": actor, "url": _review_url(review)},
        recipients=members.values_list("email", flat=True),
    )


def _detail_url(use_case) -> str:
    try:
        return _absolute(reverse("intake:detail", args=[use_case.reference]))
    except NoReverseMatch:
        return ""


def _go_no_go_accountable_emails(use_case) -> list[str]:
    """The go_no_go A: a person, or every active member of a group."""
    assignment = use_case.raci.filter(activity__key="go_no_go", letter="A").select_related("user", "group").first()
    if assignment is None:
        return []
    if assignment.user_id:
        return [assignment.user.email] if assignment.user.is_active else []
    return list(assignment.group.user_set.filter(is_active=True).values_list("email", flat=True))


def gate_decided(decision, *, actor) -> None:
    use_case = decision.use_case
    _send_after_commit(
        subject=f"[Stagegate] {use_case.reference}: gate decision {decision.get_outcome_display().lower()}",
        template="reviews/email/gate_decided.txt",
        context={"decision": decision, "use_case": use_case, "actor": actor, "url": _detail_url(use_case)},
        recipients=[use_case.created_by.email],
    )


def incident_severity_one(incident: Incident, *, actor) -> None:
    """Severity 1 tells the go/no-go Accountable and the governance admins at once: queue the alert.

    Queued after the commit; a broker that is down, or (when tasks run in-process) a mail server
    that stays down, is logged and never turns the saved incident into an error.
    """
    incident_id = incident.pk
    history_id = incident.history.order_by("-history_id").values_list("history_id", flat=True).first()

    def queue_incident_alert() -> None:
        _queue_incident_alert(incident_id, history_id)

    transaction.on_commit(queue_incident_alert, robust=True)


def _queue_incident_alert(incident_id: int, history_id: int) -> None:
    """Hand the alert to a worker, which retries it with backoff while the mail server fails.

    Without a broker (the embedded default) the task runs here, at once: a failure is logged, and
    never raised into the request that saved the incident.
    """
    from reviews.tasks import send_incident_alert

    try:
        send_incident_alert.delay(incident_id, history_id)
    except Exception as exc:  # a broker that is down, or the in-process run's mail failure
        logger.error("Severity-1 alert for incident %s not sent (%s): %s", incident_id, type(exc).__name__, exc)


def incident_alert_message(incident: Incident) -> tuple[str, str, list[str]]:
    """(subject, body, recipients) of the severity-1 alert: the go/no-go A and the governance admins."""
    use_case = incident.use_case
    admins = get_user_model().objects.filter(groups__name="governance_admins", is_active=True)
    recipients = sorted({address for address in [*_go_no_go_accountable_emails(use_case),
                                                 *admins.values_list("email", flat=True)] if address})
    subject = one_line(f"[Stagegate] SEVERITY 1 incident on {use_case.reference}: {incident.title}")
    body = render_to_string("reviews/email/incident_severity_one.txt",
                            {"incident": incident, "use_case": use_case, "url": _detail_url(use_case)})
    return subject, body, recipients


def send_incident_alert_email(subject: str, body: str, recipients: list[str]) -> None:
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients, fail_silently=False)
