"""Asking for the reviews a gate waits for (governance model: the tier policy names which functions re-review
at Pilot -> Controlled rollout and at Controlled rollout -> Scaled).

The request opens a new review cycle holding only those functions, at the current stage; the reviews go to
the same queues and reminders as any other, and ``review_decide`` moves the use case back to approved once
the cycle is all approved. Asking twice opens nothing: the second request is refused with
``InvalidTransition`` ("already requested", 409 in the API), so a double click never opens a third cycle.
"""

from __future__ import annotations

import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from core.errors import InvalidTransition
from intake import permissions, steps
from intake.choices import ReviewFunction, Stage, Status
from intake.models import UseCase
from intake.permissions import Action
from reviews import selectors
from reviews.models import Review
from reviews.selectors.gate_reviews import REREVIEW_GATE, gate_review_requirements, gate_reviews_to_request

from .gates import GateClosed, gate_closed_reason


def _names(functions) -> str:
    return ", ".join(str(ReviewFunction(f).label) for f in functions)


def _check_requestable(use_case: UseCase) -> tuple[str, dict[str, int], list[str]]:
    """(the gate's target stage, its functions with SLAs, those to open now), or the refusal why not."""
    if reason := gate_closed_reason(use_case):
        raise GateClosed(reason)
    to_stage = REREVIEW_GATE.get(use_case.stage)
    if to_stage is None:
        raise InvalidTransition(f"{use_case.reference} is in {use_case.get_stage_display().lower()}: gate reviews "
                                "are asked for in Pilot and in Controlled rollout.")
    required = gate_review_requirements(use_case, to_stage)
    if not required:
        raise InvalidTransition(f"No review function re-reviews {use_case.get_risk_tier_display().lower()}-tier "
                                f"use cases at the gate to {Stage(to_stage).label}.")
    todo = gate_reviews_to_request(use_case)
    if not todo:
        raise InvalidTransition(f"The gate reviews of {use_case.reference} were already requested: "
                                f"{_names(required)}.")
    if use_case.status != Status.APPROVED:
        # Open reviews (or changes requested) first: a new cycle beside them would let it be approved early.
        raise InvalidTransition(f"{use_case.reference} is {use_case.get_status_display().lower()}: the gate "
                                "reviews are asked for once its open reviews are decided.")
    return to_stage, required, todo


@transaction.atomic
def gate_reviews_request(*, use_case: UseCase, actor: AbstractBaseUser) -> list[Review]:
    """Open the next review cycle with one review per function that re-reviews at the next gate and has no
    approved or undecided review opened at this stage; the use case goes back to in review.

    Those who record the gate evidence or decide the gate may ask (``Action.REQUEST_GATE_REVIEW``). Raises
    Http404 / PermissionDenied, GateClosed when no gate may be decided, InvalidTransition outside Pilot and
    Controlled rollout, when its tier names no function, when already requested or while reviews are open.
    """
    permissions.require(actor, Action.REQUEST_GATE_REVIEW, use_case)
    use_case = steps.lock(use_case)
    to_stage, required, todo = _check_requestable(use_case)
    cycle = selectors.current_cycle(use_case) + 1
    use_case = steps.move_status(
        use_case, to=Status.IN_REVIEW, actor=actor, kind="gate_reviews_requested",
        note=f"Gate reviews asked for {use_case.get_stage_display()} -> {Stage(to_stage).label} "
             f"(cycle {cycle}): {_names(todo)}.",
    )
    today = timezone.localdate()
    opened = []
    for function in todo:
        review = Review(use_case=use_case, function=function, stage=use_case.stage, cycle=cycle,
                        due_date=today + datetime.timedelta(days=required[function]))
        review._history_user = actor
        review.save()
        opened.append(review)
    return opened
