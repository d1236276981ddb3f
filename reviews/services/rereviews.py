"""Periodic re-reviews of use cases in operation (governance model: tier re-review cadence).

A use case in controlled rollout or scaled, approved, whose last review
decision is at least its tier's ``TierPolicy.rereview_days`` old gets a new
review cycle: one review per function its tier requires now, due by each
SLA. The use case goes back to in review, so it no longer qualifies and a
second run opens nothing.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from intake import steps
from intake.choices import Stage, Status
from intake.models import TierPolicy, UseCase
from intake.selectors import required_review_functions
from reviews import selectors
from reviews.models import Review

from .workflow import open_required_reviews

IN_OPERATION = (Stage.CONTROLLED_ROLLOUT, Stage.SCALED)


def _due_on(last_decided_at: datetime.datetime | None, cadence_days: int | None) -> datetime.date | None:
    if last_decided_at is None or cadence_days is None:
        return None
    return timezone.localdate(last_decided_at) + datetime.timedelta(days=cadence_days)


def rereview_due_on(use_case: UseCase) -> datetime.date | None:
    """The day the next re-review falls due (None: not reviewed yet, or no policy for its tier)."""
    cadence = TierPolicy.objects.filter(tier=use_case.risk_tier).values_list("rereview_days", flat=True).first()
    last = Review.objects.filter(use_case=use_case).aggregate(last=Max("decided_at"))["last"]
    return _due_on(last, cadence)


def rereviews_open_due(*, today: datetime.date) -> list[UseCase]:
    """System: run by the scheduler, no user. Open the next review cycle of every use case in operation
    whose re-review is due; returns them."""
    cadence = dict(TierPolicy.objects.values_list("tier", "rereview_days"))
    candidates = (
        UseCase.objects.filter(status=Status.APPROVED, stage__in=IN_OPERATION, risk_tier__in=list(cadence))
        .annotate(last_decided_at=Max("reviews__decided_at"))
        .order_by("pk").values_list("pk", "risk_tier", "last_decided_at")
    )
    opened = []
    for pk, tier, last in candidates:
        due_on = _due_on(last, cadence[tier])
        if due_on is not None and due_on <= today and (use_case := _open_next_cycle(pk, today=today)):
            opened.append(use_case)
    return opened


@transaction.atomic
def _open_next_cycle(pk: int, *, today: datetime.date) -> UseCase | None:
    # Re-checked under the row lock: a concurrent run (or a decision) may have got here first.
    use_case = UseCase.objects.select_for_update().filter(
        pk=pk, status=Status.APPROVED, stage__in=IN_OPERATION).first()
    if use_case is None:
        return None
    due_on = rereview_due_on(use_case)
    if due_on is None or due_on > today or not required_review_functions(use_case):
        return None
    cycle = selectors.current_cycle(use_case) + 1
    use_case = steps.move_status(
        use_case, to=Status.IN_REVIEW, actor=None,
        note=f"Periodic re-review (cycle {cycle}): due on {due_on:%d %b %Y} under the "
             f"{use_case.get_risk_tier_display().lower()}-tier cadence.",
    )
    open_required_reviews(use_case=use_case, actor=None, cycle=cycle)
    use_case.refresh_from_db()
    return use_case
