"""Emails of the review workflow, sent only once the transaction commits.

A rolled-back decision must not tell anyone it happened, so every message
is rendered now (while the data is at hand) and handed to ``on_commit``.
``robust`` keeps a mail-server failure from turning a committed decision
into an error page; the failure is logged instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse

from reviews.models import Review


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
    transaction.on_commit(
        partial(send_mail, subject, body, settings.DEFAULT_FROM_EMAIL, to, fail_silently=False), robust=True
    )


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


def incident_severity_one(incident, *, actor) -> None:
    """Severity 1 tells the go/no-go Accountable and the governance admins at once."""
    use_case = incident.use_case
    admins = get_user_model().objects.filter(groups__name="governance_admins", is_active=True)
    _send_after_commit(
        subject=f"[Stagegate] SEVERITY 1 incident on {use_case.reference}: {incident.title}",
        template="reviews/email/incident_severity_one.txt",
        context={"incident": incident, "use_case": use_case, "actor": actor, "url": _detail_url(use_case)},
        recipients=[*_go_no_go_accountable_emails(use_case), *admins.values_list("email", flat=True)],
    )
