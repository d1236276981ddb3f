"""The reviewer's saved views of the review queue and their counts.

Each view narrows ``review_queue_for(user)``: the queue already holds only the
reviews a user works (their functions, or assigned to them; all for governance
admins) on use cases they may see. The counts come from one aggregate, so the
queue page and the admin index cost one query for them whatever the queue's size.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from reviews.choices import AWAITING_DECISION, UNDECIDED_STATUSES, ReviewStatus
from reviews.models import Review

from .reviews import review_queue_for, reviewer_functions

MINE = "mine"
DUE_THIS_WEEK = "week"
OVERDUE = "overdue"
ESCALATED = "escalated"
DECIDED = "decided"
ALL = "all"
DEFAULT_VIEW = MINE
# "Due this week": due today or in the six days after, whatever the weekday.
WEEK_DAYS = 7
DECIDED_WINDOW_DAYS = 30


@dataclass(frozen=True)
class SavedView:
    key: str
    label: str


SAVED_VIEWS = (
    SavedView(MINE, "My open"),
    SavedView(DUE_THIS_WEEK, "Due this week"),
    SavedView(OVERDUE, "Overdue"),
    SavedView(ESCALATED, "Escalated to me"),
    SavedView(DECIDED, "Decided by me"),
)
VIEW_KEYS = frozenset(view.key for view in SAVED_VIEWS) | {ALL}


def view_conditions(user, today: datetime.date | None = None) -> dict[str, Q]:
    """Each saved view as a condition on the user's queue."""
    today = today or timezone.localdate()
    mine = Q(assignee=user) | Q(assignee__isnull=True, function__in=reviewer_functions(user))
    return {
        MINE: Q(status__in=AWAITING_DECISION) & mine,
        DUE_THIS_WEEK: Q(status__in=AWAITING_DECISION, due_date__gte=today,
                         due_date__lt=today + datetime.timedelta(days=WEEK_DAYS)),
        # The same rule as the queue's "overdue" filter and the overdue marker.
        OVERDUE: Q(status__in=UNDECIDED_STATUSES, due_date__lt=today),
        # Escalated by someone else: whoever escalated it does not decide it again.
        ESCALATED: Q(status=ReviewStatus.ESCALATED) & ~Q(decided_by=user),
        DECIDED: Q(decided_by=user, decided_at__gte=timezone.now() - datetime.timedelta(days=DECIDED_WINDOW_DAYS))
        & ~Q(status__in=AWAITING_DECISION),
    }


def in_view(queryset: QuerySet[Review], user, view: str) -> QuerySet[Review]:
    """``queryset`` (a slice of the user's queue) narrowed to one saved view; ``all`` keeps it whole."""
    condition = view_conditions(user).get(view)
    return queryset if condition is None else queryset.filter(condition)


def view_counts(user) -> dict[str, int]:
    """How many reviews each saved view holds, in one query."""
    aggregates = {key: Count("pk", filter=condition) for key, condition in view_conditions(user).items()}
    # The queue's ordering and annotations mean nothing to a count.
    return review_queue_for(user).order_by().aggregate(**aggregates)
