"""Reads after an incident: open actions, post-incident reviews overdue, for a use case and the portfolio.

A review is overdue when its due date has passed, it is not recorded and the incident is not closed;
an action, when it is open past its date. Each read is a fixed number of queries, whatever the size.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.urls import reverse
from django.utils import timezone

from intake.models import UseCase
from reviews.models import ActionStatus, Incident, IncidentAction, IncidentStatus, PostIncidentReview


def _reviewed() -> Exists:
    return Exists(PostIncidentReview.objects.filter(incident=OuterRef("pk")))


def reviews_overdue(*, today: datetime.date, use_cases: QuerySet[UseCase] | None = None) -> QuerySet[Incident]:
    """Incidents whose post-incident review is past its due date, not recorded, and not closed."""
    rows = Incident.objects.filter(review_due__lt=today).exclude(status=IncidentStatus.CLOSED).exclude(_reviewed())
    return rows if use_cases is None else rows.filter(use_case__in=use_cases.values("id"))


def incident_reviews_overdue_count(*, today: datetime.date, use_cases: QuerySet[UseCase] | None = None) -> int:
    """How many post-incident reviews are overdue (in ``use_cases`` when given): one query."""
    return reviews_overdue(today=today, use_cases=use_cases).count()


def open_incident_actions(use_case: UseCase) -> QuerySet[IncidentAction]:
    """The use case's open incident actions, soonest due first, with their owner and incident."""
    return (IncidentAction.objects.filter(incident__use_case=use_case, status=ActionStatus.OPEN)
            .select_related("owner", "incident").order_by("due_date", "id"))


def incident_review_of(incident: Incident) -> dict[str, Any]:
    """The post-incident review of one incident and its actions (open first), for its page: two queries."""
    review = PostIncidentReview.objects.filter(incident=incident).select_related("completed_by").first()
    actions = list(IncidentAction.objects.filter(incident=incident).select_related("owner", "done_by")
                   .order_by("-status", "due_date", "id"))  # "open" sorts after "done": reversed
    return {"review": review, "actions": actions, "open_actions": sum(1 for a in actions if a.is_open)}


def with_review(queryset: QuerySet[Incident]) -> QuerySet[Incident]:
    """Incidents with their owner, review and actions loaded (one query more for all the actions)."""
    actions = IncidentAction.objects.select_related("owner").order_by("due_date", "id")
    return queryset.select_related("owner", "post_incident_review").prefetch_related(
        Prefetch("actions", queryset=actions))


def incident_panel(use_case: UseCase, *, today: datetime.date | None = None) -> dict[str, Any]:
    """The incident part of the "Between gates" panel: open actions (overdue ones marked) and the post-incident
    reviews overdue. Two queries."""
    today = today or timezone.localdate()
    actions = [{"action": a, "overdue": a.overdue_on(today), "days_overdue": (today - a.due_date).days}
               for a in open_incident_actions(use_case)]
    overdue = list(reviews_overdue(today=today).filter(use_case=use_case).select_related("owner")
                   .order_by("review_due", "id"))
    return {
        "shown": bool(actions or overdue),
        "open_actions": actions,
        "overdue_actions": sum(1 for row in actions if row["overdue"]),
        "reviews_overdue": [{"incident": i, "days_overdue": (today - i.review_due).days,
                             "url": reverse("reviews:incident_edit", args=[use_case.reference, i.pk])}
                            for i in overdue],
        "incidents_url": reverse("reviews:incidents", args=[use_case.reference]),
    }
