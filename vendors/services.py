"""Writes for the vendors app: due diligence, approval and offboarding.

Admin actions, the demo seed and (later) intake pages all call these, so
the rules of section 8 hold whichever door a change comes through. Each one
first asks ``vendors.permissions.require`` whether the actor may act.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from dateutil.relativedelta import relativedelta
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from core.errors import InvalidTransition
from vendors import selectors
from vendors.choices import (
    APPROVED_STATUSES,
    APPROVING_OUTCOMES,
    AssessmentOutcome,
    AssessmentStatus,
    ModelStatus,
    Rating,
    VendorStatus,
)
from vendors.models import AIModel, AssessmentRating, ChecklistArea, Vendor, VendorAssessment
from vendors.permissions import Action, require
from vendors.signals import model_status_changed, vendor_status_changed

# What a caller may set on one rating row.
RATING_FIELDS = ("rating", "evidence_notes", "attachment")


def _save(obj: Model, actor: AbstractBaseUser | None, **kwargs: Any) -> None:
    # simple-history records who changed it even outside a web request.
    obj._history_user = actor
    obj.save(**kwargs)


def _locked_assessment(assessment: VendorAssessment) -> VendorAssessment:
    """Re-read under a row lock so concurrent writers queue instead of both acting on stale state."""
    locked = VendorAssessment.objects.select_for_update().select_related("vendor").get(pk=assessment.pk)
    if locked.status == AssessmentStatus.COMPLETED:
        raise ValidationError(f"{locked} is already completed ({locked.get_outcome_display().lower()}).")
    return locked


@transaction.atomic
def vendor_assessment_start(
    *, vendor: Vendor, actor: AbstractBaseUser, due_on: datetime.date | None = None
) -> VendorAssessment:
    """Open a due-diligence assessment with one blank rating per active checklist area."""
    require(actor, Action.START, vendor)
    vendor = Vendor.objects.select_for_update().get(pk=vendor.pk)
    if vendor.assessments.exclude(status=AssessmentStatus.COMPLETED).exists():
        raise ValidationError(f"{vendor} already has an assessment in progress; complete it first.")
    today = timezone.localdate()
    if due_on is not None and due_on < today:
        raise ValidationError({"due_on": "The due date cannot be in the past."})
    assessment = VendorAssessment(vendor=vendor, started_on=today, due_on=due_on)
    _save(assessment, actor)
    areas = ChecklistArea.objects.filter(active=True).order_by("order", "key")
    AssessmentRating.objects.bulk_create(AssessmentRating(assessment=assessment, area=area) for area in areas)
    vendor.status = VendorStatus.UNDER_ASSESSMENT
    _save(vendor, actor)
    return assessment


@transaction.atomic
def vendor_assessment_assign(
    *, assessment: VendorAssessment, actor: AbstractBaseUser, assessor: AbstractBaseUser | None
) -> VendorAssessment:
    """Give the assessment to ``assessor``; an open assessment that gets an assessor is in progress."""
    require(actor, Action.ASSIGN, assessment)
    assessment = _locked_assessment(assessment)
    assessment.assessor = assessor
    if assessor is not None and assessment.status == AssessmentStatus.OPEN:
        assessment.status = AssessmentStatus.IN_PROGRESS
    _save(assessment, actor)
    return assessment


@transaction.atomic
def vendor_assessment_rate(
    *, assessment: VendorAssessment, actor: AbstractBaseUser, ratings: Mapping[str, Mapping[str, Any]]
) -> VendorAssessment:
    """Record ratings by checklist-area key, e.g. {"data_handling": {"rating": "meets", "evidence_notes": "..."}}.

    Only the given areas and fields change; a blank rating un-rates an area.
    Nothing is saved unless every row is valid.
    """
    require(actor, Action.RATE, assessment)
    assessment = _locked_assessment(assessment)
    rows = {r.area.key: r for r in selectors.assessment_ratings(assessment)}
    errors: dict[str, list[str]] = {}
    changed = []
    for key, values in ratings.items():
        row = rows.get(key)
        problem = _rating_problem(key, values, row)
        if problem:
            errors.setdefault(key, []).append(problem)
            continue
        for name, value in values.items():
            setattr(row, name, value or "")
        try:
            row.full_clean(exclude=["assessment", "area"], validate_unique=False)
        except ValidationError as err:
            errors.setdefault(key, []).extend(f"{field}: {m}" for field, ms in err.message_dict.items() for m in ms)
        changed.append(row)
    if errors:
        raise ValidationError(errors)
    for row in changed:
        _save(row, actor)
    if changed and assessment.status == AssessmentStatus.OPEN:
        assessment.status = AssessmentStatus.IN_PROGRESS
        _save(assessment, actor)
    return assessment


def _rating_problem(key: str, values: Any, row: AssessmentRating | None) -> str:
    if row is None:
        return f"{key!r} is not a checklist area of this assessment."
    if not isinstance(values, Mapping):
        return "Give the rating as {\"rating\": ..., \"evidence_notes\": ...}."
    unknown = sorted(set(values) - set(RATING_FIELDS))
    if unknown:
        return f"Unknown field(s) {', '.join(unknown)}; use {', '.join(RATING_FIELDS)}."
    rating = values.get("rating", row.rating) or ""
    if rating and rating not in Rating.values:
        return f"rating: {rating!r} is not a rating; use one of {', '.join(Rating.values)}."
    return ""


@transaction.atomic
def vendor_assessment_complete(
    *, assessment: VendorAssessment, actor: AbstractBaseUser, outcome: str, conditions: str = ""
) -> VendorAssessment:
    """Decide the assessment and carry the outcome to the vendor, with an expiry for approvals.

    The row lock makes a second, concurrent completion wait and then fail
    with "already completed" instead of overwriting the first outcome.
    """
    require(actor, Action.COMPLETE, assessment)
    assessment = _locked_assessment(assessment)
    conditions = (conditions or "").strip()
    ratings = list(selectors.assessment_ratings(assessment))
    errors = _completion_errors(ratings, outcome=outcome, conditions=conditions)
    if errors:
        raise ValidationError(errors)
    assessment.status = AssessmentStatus.COMPLETED
    assessment.outcome = outcome
    assessment.conditions = conditions
    assessment.completed_at = timezone.now()
    assessment.completed_by = actor
    if assessment.assessor_id is None:
        assessment.assessor = actor
    _save(assessment, actor)
    _apply_outcome(assessment, actor=actor)
    return assessment


def _completion_errors(ratings: list[AssessmentRating], *, outcome: str, conditions: str) -> dict[str, str]:
    """Every reason the assessment cannot be completed with ``outcome``, keyed by field."""
    errors: dict[str, str] = {}
    if outcome not in AssessmentOutcome.values:
        errors["outcome"] = f"Choose an outcome: {', '.join(AssessmentOutcome.values)}."
    missing = [r.area.name for r in ratings if not r.rating]
    if missing:
        errors["ratings"] = (
            "An assessment missing any rating cannot be completed. Not yet rated: " + ", ".join(missing) + "."
        )
    blocking = [r.area.name for r in ratings if r.area.critical and r.rating == Rating.DOES_NOT_MEET]
    if blocking and outcome in APPROVING_OUTCOMES:
        errors["outcome"] = (
            "Cannot approve: critical areas do not meet the bar: " + ", ".join(blocking) + ". "
            "Reject, or re-rate after the vendor fixes them."
        )
    if outcome == AssessmentOutcome.APPROVED_WITH_CONDITIONS and not conditions:
        errors["conditions"] = "Write the conditions of the approval."
    return errors


def _apply_outcome(assessment: VendorAssessment, *, actor: AbstractBaseUser) -> None:
    vendor = Vendor.objects.select_for_update().get(pk=assessment.vendor_id)
    before = vendor.effective_status()
    vendor.status = assessment.outcome
    if assessment.outcome in APPROVING_OUTCOMES:
        vendor.approval_expires = approval_expiry(
            criticality=vendor.criticality, approved_on=timezone.localdate(assessment.completed_at)
        )
    else:
        vendor.approval_expires = None
    _save(vendor, actor)
    _vendor_changed(vendor, before=before, actor=actor, note=f"Assessment completed: {assessment.outcome}.")


def approval_expiry(*, criticality: str, approved_on: datetime.date) -> datetime.date:
    """The day an approval granted on ``approved_on`` runs out, by the ApprovalPolicy of the criticality."""
    months = selectors.approval_validity_months(criticality)
    if months is None:
        raise ValidationError(
            f"No approval policy is set for {criticality} criticality; ask a governance admin to add one."
        )
    return approved_on + relativedelta(months=months)


@transaction.atomic
def vendor_offboard(*, vendor: Vendor, actor: AbstractBaseUser, reason: str) -> Vendor:
    """Stop using a vendor: it is no longer approved, and the reason is kept."""
    require(actor, Action.OFFBOARD, vendor)
    vendor = Vendor.objects.select_for_update().get(pk=vendor.pk)
    reason = (reason or "").strip()
    if vendor.status == VendorStatus.OFFBOARDED:
        raise ValidationError(f"{vendor} is already offboarded.")
    before = vendor.effective_status()
    if not reason:
        raise ValidationError({"reason": "Give the reason for offboarding."})
    if vendor.assessments.exclude(status=AssessmentStatus.COMPLETED).exists():
        # Completing it later would silently re-approve an offboarded vendor.
        raise ValidationError(f"{vendor} has an assessment in progress; complete it (e.g. as rejected) first.")
    vendor.status = VendorStatus.OFFBOARDED
    vendor.approval_expires = None
    vendor.offboarded_at = timezone.now()
    vendor.offboarding_reason = reason
    vendor._change_reason = f"Offboarded: {reason}"[:100]
    _save(vendor, actor)
    _vendor_changed(vendor, before=before, actor=actor, note=f"Offboarded: {reason}")
    return vendor


def _vendor_changed(vendor: Vendor, *, before: str, actor: AbstractBaseUser | None, note: str) -> None:
    status = vendor.effective_status()
    if status != before:
        vendor_status_changed.send(sender=Vendor, vendor=vendor, before=before, status=status, actor=actor,
                                   note=note)


# -- Status set by hand ---------------------------------------------------------------------------

# Every status of the registry may follow any other: banning, deprecating and restoring are all moves.
MODEL_STATUS_MOVES: dict[str, frozenset[str]] = {
    status: frozenset(ModelStatus.values) - {status} for status in ModelStatus.values
}
# By hand, an approval is withdrawn (rejected) or restored; assessments and offboarding make the other moves.
VENDOR_STATUS_MOVES: dict[str, frozenset[str]] = {
    VendorStatus.APPROVED: frozenset({VendorStatus.APPROVED_WITH_CONDITIONS, VendorStatus.REJECTED}),
    VendorStatus.APPROVED_WITH_CONDITIONS: frozenset({VendorStatus.APPROVED, VendorStatus.REJECTED}),
    VendorStatus.REJECTED: frozenset(APPROVED_STATUSES),
}


def model_status_problem(current: str, target: str) -> str:
    """Why ``target`` may not follow ``current`` (empty when it may, or when it is no move at all)."""
    if target not in ModelStatus.values:
        return f"Choose a status: {', '.join(ModelStatus.values)}."
    if target != current and target not in MODEL_STATUS_MOVES[current]:
        return f"A {current} model cannot become {target}."
    return ""


@transaction.atomic
def ai_model_status_set(*, model: AIModel, actor: AbstractBaseUser, status: str, note: str = "") -> AIModel:
    """Set a registry model's status; the live use cases that call it follow (``model_status_changed``).

    Governance admins only. Setting the status it already has is no change and tells nobody.
    """
    require(actor, Action.SET_MODEL_STATUS, model)
    model = AIModel.objects.select_for_update().select_related("provider").get(pk=model.pk)
    if problem := model_status_problem(model.status, status):
        raise ValidationError({"status": problem})
    if model.status == status:
        return model
    before, model.status = model.status, status
    model._change_reason = (f"Status {before} -> {status}: {note}" if note else f"Status {before} -> {status}")[:100]
    _save(model, actor)
    model_status_changed.send(sender=AIModel, model=model, before=before, actor=actor, note=(note or "").strip())
    return model


def _vendor_status_problem(vendor: Vendor, target: str) -> str:
    if target not in VendorStatus.values:
        return f"Choose a status: {', '.join(VendorStatus.values)}."
    if target == vendor.status:
        return ""
    if target not in VENDOR_STATUS_MOVES.get(vendor.status, ()):
        return (f"{vendor} is {vendor.get_status_display().lower()}: by hand an approval is only withdrawn "
                "(rejected) or restored; assessments and offboarding make the other changes.")
    expires = vendor.approval_expires
    if target in APPROVED_STATUSES and (expires is None or expires < timezone.localdate()):
        # Only an approval withdrawn by hand keeps its expiry date; any other needs a new assessment.
        return "No approval in force to restore (expired or never given): complete a new assessment."
    return ""


@transaction.atomic
def vendor_status_set(*, vendor: Vendor, actor: AbstractBaseUser, status: str, note: str = "") -> Vendor:
    """Withdraw (rejected) or restore a vendor's approval; the live use cases follow (``vendor_status_changed``).

    Procurement and governance admins. The expiry date is kept, so a restored approval runs to the same day.
    """
    require(actor, Action.SET_STATUS, vendor)
    vendor = Vendor.objects.select_for_update().get(pk=vendor.pk)
    if problem := _vendor_status_problem(vendor, status):
        if status in VendorStatus.values:
            raise InvalidTransition(problem)
        raise ValidationError({"status": problem})
    if vendor.status == status:
        return vendor
    before, vendor.status = vendor.effective_status(), status
    note = (note or "").strip()
    vendor._change_reason = (f"Status -> {status}: {note}" if note else f"Status -> {status}")[:100]
    _save(vendor, actor)
    _vendor_changed(vendor, before=before, actor=actor, note=note)
    return vendor


def vendor_approvals_expired(*, today: datetime.date) -> int:
    """System: run by the daily sweep, no user. Tell the higher layers of every approval past its expiry.

    Sent every day for each: the receivers act once per dependency (their flags are unique), so a missed
    day catches up. Returns how many vendors were announced.
    """
    expired = Vendor.objects.filter(status__in=APPROVED_STATUSES, approval_expires__lt=today).order_by("pk")
    count = 0
    for vendor in expired:
        with transaction.atomic():
            vendor_status_changed.send(sender=Vendor, vendor=vendor, before=vendor.status,
                                       status=vendor.effective_status(today), actor=None,
                                       note=f"The approval expired on {vendor.approval_expires:%d %b %Y}.")
        count += 1
    return count
