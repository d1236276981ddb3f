"""The review workflow: opening, deciding and reopening reviews.

Lock order is always use case, then review: ``use_case_update`` and
``review_decide`` then serialise on the use-case row, so an approval is
never given for answers that are being changed at the same moment.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import formats, timezone

from core.errors import InvalidTransition
from intake import lifecycle, permissions, steps
from intake.choices import RiskTier, Status
from intake.models import UseCase, UseCaseEvent
from intake.permissions import Action
from intake.selectors import required_review_functions
from reviews import notifications, selectors
from reviews.choices import APPROVED_STATUSES, DECISION_STATUS, REOPENED, UNDECIDED_STATUSES, Decision, ReviewStatus
from reviews.models import Review, ReviewCondition, ReviewDecision
from reviews.snapshots import approval_snapshot, describe_diff, snapshot_diff

# Use cases are reviewed from submission on; drafts, rejected and withdrawn ones are not.
REVIEWABLE_STATUSES = (Status.SUBMITTED, Status.IN_REVIEW, Status.CHANGES_REQUESTED, Status.APPROVED)
MIN_RATIONALE = 10
MAX_TEXT = 5000
MAX_CONDITION_TEXT = 2000

def _user_label(user) -> str:
    return user.get_full_name() or user.get_username()


def _function_label(review: Review) -> str:
    return review.get_function_display().lower()


_lock_use_case = steps.lock


def _save(obj, actor) -> None:
    # simple-history records who changed it even outside a web request.
    obj._history_user = actor
    obj.save()


def _settle_status(use_case: UseCase, *, actor) -> UseCase:
    """Make the use-case status agree with the reviews of its current cycle."""
    if use_case.status in (Status.SUBMITTED, Status.APPROVED) and selectors.has_undecided(use_case):
        return steps.move_status(use_case, to=Status.IN_REVIEW, actor=actor, note="Reviews are open.")
    if use_case.status in (Status.SUBMITTED, Status.IN_REVIEW) and selectors.all_approved(use_case):
        return steps.move_status(use_case, to=Status.APPROVED, actor=actor, note="Every required review approved.")
    return use_case


def _withdraw_untouched(use_case: UseCase, stale, *, actor, why: str) -> None:
    """Withdraw the reviews in ``stale`` that nobody has decided yet; the timeline says which and why.

    A review that was ever decided stays, as decided reviews do.
    """
    stale = stale.filter(status__in=UNDECIDED_STATUSES, decisions__isnull=True)
    labels = [review.get_function_display() for review in stale.order_by("function")]
    if not labels:
        return
    stale.delete()  # simple-history keeps each; the API lists them under deletions
    UseCaseEvent.objects.create(
        use_case=use_case, kind="reviews_withdrawn", from_status=use_case.status, to_status=use_case.status,
        actor=actor, note=f"{why}: {', '.join(labels)} review{'s' if len(labels) != 1 else ''} withdrawn.")


def _withdraw_unrequired(use_case: UseCase, *, actor, cycle: int, required: set[str]) -> None:
    """Withdraw the untouched reviews of functions the tier no longer requires (it went down): left open
    they would block approval and the gates for a review nobody needs."""
    stale = selectors.reviews_in_cycle(use_case, cycle).exclude(function__in=required)
    _withdraw_untouched(use_case, stale, actor=actor,
                        why=f"No longer required at the {use_case.get_risk_tier_display()} tier")


def withdraw_open_reviews(*, use_case: UseCase, actor, why: str) -> None:
    """A step of the gate service: a stopped or retired use case leaves every reviewer's queue."""
    _withdraw_untouched(use_case, Review.objects.filter(use_case=use_case), actor=actor, why=why)


@transaction.atomic
def open_required_reviews(
    *, use_case: UseCase, actor: AbstractBaseUser | None, cycle: int | None = None
) -> list[Review]:
    """Open a review for each function the tier requires that has none in ``cycle``.

    ``cycle`` defaults to the current one; a periodic re-review passes the next.
    Returns the reviews it opened; decided reviews stay as they are. A step of the workflow services and
    of periodic re-review (no user: ``actor`` None), not an action of its own.
    """
    use_case = _lock_use_case(use_case)
    if use_case.status not in REVIEWABLE_STATUSES:
        return []
    # A gate re-review cycle holds only some functions; the others' reviews of earlier cycles stand, so the
    # current cycle opens only functions never reviewed (a periodic re-review passes its new cycle).
    reviewed = Review.objects.filter(use_case=use_case) if cycle is None else Review.objects.filter(
        use_case=use_case, cycle=cycle)
    cycle = selectors.current_cycle(use_case) if cycle is None else cycle
    required = required_review_functions(use_case)
    _withdraw_unrequired(use_case, actor=actor, cycle=cycle, required=set(required))
    existing = set(reviewed.values_list("function", flat=True))
    today = timezone.localdate()
    opened = []
    for function, sla_days in sorted(required.items()):
        if function in existing:
            continue
        review = Review(use_case=use_case, function=function, stage=use_case.stage, cycle=cycle,
                        due_date=today + datetime.timedelta(days=sla_days))
        _save(review, actor)
        opened.append(review)
    _settle_status(use_case, actor=actor)
    return opened


def _reopen(review: Review, *, actor, note: str) -> None:
    """Back to open for a fresh decision; the log keeps what was decided before."""
    review.status = ReviewStatus.OPEN
    review.decision, review.rationale = "", ""
    review.decided_by, review.decided_at = None, None
    _save(review, actor)
    ReviewDecision.objects.create(review=review, cycle=review.cycle, decision=REOPENED, rationale=note,
                                  decided_by=actor, decided_at=timezone.now())


def _reopen_changed_approvals(use_case: UseCase, *, actor) -> list[Review]:
    """Reopen the approvals of the current cycle given for answers that have since changed."""
    reopened = []
    approved = selectors.reviews_in_cycle(use_case).filter(status__in=APPROVED_STATUSES).select_for_update()
    for review in approved.order_by("function"):
        changes = snapshot_diff(review.approved_snapshot, use_case)
        if changes:
            _reopen(review, actor=actor, note=f"reopened: answers changed: {describe_diff(changes)}")
            reopened.append(review)
    return reopened


@transaction.atomic
def use_case_submit(*, use_case: UseCase, actor: AbstractBaseUser) -> UseCase:
    """Submit (or resubmit) a use case, tier it and open the reviews its tier requires.

    On a resubmission the reviews that requested changes are reopened. Raises Http404 for an unseen use
    case, InvalidTransition when its status cannot be submitted, PermissionDenied when the actor may not
    submit it and ValidationError, by field, for what is still missing.
    """
    permissions.require(actor, Action.VIEW, use_case)
    use_case = _lock_use_case(use_case)
    lifecycle.check_status(use_case, Status.SUBMITTED, action="submitted")
    permissions.require(actor, Action.SUBMIT, use_case)
    before = use_case.status
    use_case = steps.submission_write(use_case=use_case, actor=actor)
    if before == Status.CHANGES_REQUESTED:
        waiting = selectors.reviews_in_cycle(use_case).filter(status=ReviewStatus.CHANGES_REQUESTED)
        for review in waiting.select_for_update().order_by("function"):
            _reopen(review, actor=actor, note="reopened: resubmitted after changes were requested")
    # Resubmission re-tiers: an approval for another tier no longer holds.
    _reopen_changed_approvals(use_case, actor=actor)
    open_required_reviews(use_case=use_case, actor=actor)
    use_case.refresh_from_db()
    return use_case


@transaction.atomic
def use_case_update(
    *, use_case: UseCase, actor: AbstractBaseUser, answers: Mapping[str, Any],
    kpis: Iterable[Mapping[str, Any]] | None = None,
) -> UseCase:
    """Change intake answers (an owner while it is a draft or its changes are requested; a governance admin
    at any time); approvals given for changed answers are reopened."""
    use_case = _lock_use_case(use_case)
    # Asked under the row lock: a status change between page and save must win.
    permissions.require(actor, Action.EDIT, use_case)
    before = approval_snapshot(use_case)
    use_case = steps.answers_write(use_case=use_case, actor=actor, answers=answers, kpis=kpis)
    if approval_snapshot(use_case) != before:
        _reopen_changed_approvals(use_case, actor=actor)
    # A tier change may require functions that have not reviewed yet.
    open_required_reviews(use_case=use_case, actor=actor)
    use_case.refresh_from_db()
    return use_case


@transaction.atomic
def use_case_override_tier(
    *, use_case: UseCase, actor: AbstractBaseUser, tier: str, justification: str
) -> UseCase:
    """A governance admin sets the tier, with a written why; the reviews the new tier requires are opened
    (decided ones stay).

    Prohibited is a verdict, not a tier to review at: a use case under review is rejected.
    """
    use_case = _lock_use_case(use_case)
    permissions.require(actor, Action.OVERRIDE_TIER, use_case)
    use_case = steps.tier_override_write(use_case=use_case, actor=actor, tier=tier, justification=justification)
    if tier == RiskTier.PROHIBITED and use_case.status in REVIEWABLE_STATUSES:
        steps.move_status(use_case, to=Status.REJECTED, actor=actor,
                          note=f"Prohibited by a governance override: {justification.strip()}")
    open_required_reviews(use_case=use_case, actor=actor)
    use_case.refresh_from_db()
    return use_case


def assignee_problem(review: Review, assignee: AbstractBaseUser) -> str:
    """Why ``assignee`` may not take ``review`` ("" when they may); forms show it early."""
    if not assignee.is_active:
        return f"{_user_label(assignee)} is inactive."
    decision = permissions.decide(assignee, Action.DECIDE_REVIEW, review.use_case, function=review.function)
    if decision:
        return ""
    message = f"{_user_label(assignee)} may not decide the {_function_label(review)} review of " \
              f"{review.use_case.reference}."
    if decision.reason.startswith("Separation of duties"):
        message += " Separation of duties: they submitted it or are responsible or accountable for its " \
                   "outcome or delivery."
    return message


@transaction.atomic
def review_assign(*, review: Review, actor: AbstractBaseUser, assignee: AbstractBaseUser | None) -> Review:
    """Give a review to a reviewer who may decide it (None unassigns); the assignee is emailed."""
    use_case = review.use_case
    permissions.require(actor, Action.VIEW, use_case)
    if not (permissions.is_governance_admin(actor)
            or permissions.can(actor, Action.DECIDE_REVIEW, use_case, function=review.function)):
        raise PermissionDenied(f"Only {_function_label(review)} reviewers or a governance admin may assign "
                               "this review.")
    review = Review.objects.select_for_update().get(pk=review.pk)
    review.use_case = use_case
    if not review.awaits_decision:
        raise ValidationError({"assignee": f"This review is {review.get_status_display().lower()}; "
                                           "a decided review is not reassigned."})
    error = assignee_problem(review, assignee) if assignee is not None else ""
    if error:
        raise ValidationError({"assignee": error})
    if review.assignee_id == (assignee.pk if assignee else None):
        return review
    review.assignee = assignee
    if assignee is not None and review.status == ReviewStatus.OPEN:
        review.status = ReviewStatus.IN_PROGRESS
    elif assignee is None and review.status == ReviewStatus.IN_PROGRESS:
        review.status = ReviewStatus.OPEN
    _save(review, actor)
    if assignee is not None:
        notifications.review_assigned(review, actor=actor)
    return review


def _already_decided(review: Review) -> ValidationError:
    who = _user_label(review.decided_by) if review.decided_by_id else "someone"
    when = formats.date_format(timezone.localtime(review.decided_at), "j M Y, H:i") if review.decided_at else "?"
    return ValidationError(f"This review was already decided by {who} at {when}.")


def _condition_errors(rows: list) -> list[str]:
    errors, today = [], timezone.localdate()
    for number, row in enumerate(rows, 1):
        if not isinstance(row, Mapping):
            errors.append(f"Condition {number}: give a text, an owner and a due date.")
            continue
        text, owner, due = (row.get("text") or "").strip(), row.get("owner"), row.get("due_date")
        if not text or len(text) > MAX_CONDITION_TEXT:
            errors.append(f"Condition {number}: describe it in 1 to {MAX_CONDITION_TEXT} characters.")
        if owner is None or not getattr(owner, "is_active", False):
            errors.append(f"Condition {number}: name an active owner.")
        if not isinstance(due, datetime.date) or isinstance(due, datetime.datetime) or due < today:
            errors.append(f"Condition {number}: give a due date from today on.")
    return errors


def _validate_decision(decision: str, rationale: str, rows: list) -> None:
    errors: dict[str, Any] = {}
    if decision not in Decision.values:
        errors["decision"] = "Choose a decision: " + ", ".join(str(label).lower() for label in Decision.labels) + "."
    if len(rationale) < MIN_RATIONALE or len(rationale) > MAX_TEXT:
        errors["rationale"] = f"Write a rationale of {MIN_RATIONALE} to {MAX_TEXT} characters."
    if decision == Decision.APPROVE_WITH_CONDITIONS and not rows:
        errors["conditions"] = "Approving with conditions needs at least one condition."
    elif rows and decision != Decision.APPROVE_WITH_CONDITIONS:
        errors["conditions"] = "Conditions belong only to an approval with conditions."
    elif condition_errors := _condition_errors(rows):
        errors["conditions"] = condition_errors
    if errors:
        raise ValidationError(errors)


def _record_decision(review: Review, *, actor, decision: str, rationale: str, rows: list) -> None:
    now = timezone.now()
    approving = decision in (Decision.APPROVE, Decision.APPROVE_WITH_CONDITIONS)
    review.status = DECISION_STATUS[decision]
    review.decision, review.rationale, review.decided_by, review.decided_at = decision, rationale, actor, now
    if approving:
        review.approved_snapshot = approval_snapshot(review.use_case)
    _save(review, actor)
    for row in rows:
        condition = ReviewCondition(review=review, text=row["text"].strip(), owner=row["owner"],
                                    due_date=row["due_date"])
        _save(condition, actor)
    ReviewDecision.objects.create(review=review, cycle=review.cycle, decision=decision, rationale=rationale,
                                  decided_by=actor, decided_at=now,
                                  snapshot=review.approved_snapshot if approving else {})


def _apply_effect(review: Review, *, actor) -> None:
    """What the decision does to the use case and who hears about it."""
    use_case, label = review.use_case, review.get_function_display()
    if review.decision == Decision.REQUEST_CHANGES:
        steps.move_status(use_case, to=Status.CHANGES_REQUESTED, actor=actor,
                          note=f"{label} review requests changes: {review.rationale}")
        notifications.changes_requested(review, actor=actor)
    elif review.decision == Decision.STOP:
        steps.move_status(use_case, to=Status.REJECTED, actor=actor,
                          note=f"Stopped by the {label} review: {review.rationale}")
    elif review.decision == Decision.ESCALATE:
        notifications.review_escalated(review, actor=actor)
    else:
        _settle_status(use_case, actor=actor)


@transaction.atomic
def review_decide(
    *, review: Review, actor: AbstractBaseUser, decision: str, rationale: str,
    conditions: Iterable[Mapping[str, Any]] = (),
) -> Review:
    """Record one function's decision; a decided review is never decided again, except that an
    escalated one gets its final decision from whoever it was escalated to.

    Raises Http404 / PermissionDenied (with the separation-of-duties reason)
    from the permission choke point, ValidationError for bad input.
    """
    permissions.require(actor, Action.DECIDE_REVIEW, review.use_case, function=review.function)
    use_case = _lock_use_case(review.use_case)
    # Under the lock, whatever any RACI row or grant says: the use case's own people never decide it.
    permissions.refuse_own_people(actor, Action.DECIDE_REVIEW, use_case)
    review = Review.objects.select_for_update().get(pk=review.pk)
    review.use_case = use_case
    if not review.awaits_decision:
        raise _already_decided(review)
    if review.status == ReviewStatus.ESCALATED and decision == Decision.ESCALATE:
        raise ValidationError({"decision": "This review is already escalated: approve, approve with conditions, "
                                           "request changes or stop it."})
    if use_case.status not in REVIEWABLE_STATUSES or lifecycle.final_reason(use_case):
        raise InvalidTransition(lifecycle.final_reason(use_case) or f"{use_case.reference} is "
                                f"{use_case.get_status_display().lower()}; its reviews can no longer be decided.")
    rationale, rows = (rationale or "").strip(), list(conditions or ())
    _validate_decision(decision, rationale, rows)
    _record_decision(review, actor=actor, decision=decision, rationale=rationale, rows=rows)
    _apply_effect(review, actor=actor)
    return review


@transaction.atomic
def condition_mark_met(*, condition: ReviewCondition, actor: AbstractBaseUser) -> ReviewCondition:
    """A reviewer of the function confirms a condition is met (owners do not certify their own)."""
    review = condition.review
    permissions.require(actor, Action.DECIDE_REVIEW, review.use_case, function=review.function)
    condition = ReviewCondition.objects.select_for_update().get(pk=condition.pk)
    if condition.met:
        who = _user_label(condition.met_by) if condition.met_by_id else "someone"
        raise ValidationError(f"This condition was already marked met by {who}.")
    condition.met, condition.met_at, condition.met_by = True, timezone.now(), actor
    _save(condition, actor)
    # The review's representation (API, ETag, delta sync) includes its conditions: it changed too.
    Review.objects.filter(pk=condition.review_id).update(updated_at=timezone.now())
    return condition
