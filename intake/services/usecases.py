"""Use-case writes: drafts, submission, tiering, overrides, pilot selection."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from intake import selectors
from intake.choices import RiskTier, Stage, Status
from intake.models import (
    KPI,
    PILOT_CRITERIA,
    BusinessUnit,
    PilotSelection,
    ReferenceCounter,
    TierAssessment,
    UseCase,
    UseCaseEvent,
)
from intake.permissions import Action, is_governance_admin, require
from intake.tiering import TIER_DRIVING_FIELDS, compute_tier, eu_ai_act_category

from .raci import OWNER_FIELDS, owner_answer_problems, raci_sync_defaults

# Every answer a reviewer needs before a use case may be submitted.
REQUIRED_FOR_SUBMIT: tuple[str, ...] = (
    "title", "summary", "problem_statement", "strategic_outcome", "portfolio_bucket",
    "outcome_baseline", "outcome_target", "outcome_time_horizon",
    "business_owner", "delivery_owner", "executive_sponsor",
    "data_sources", "data_classification", "personal_data",
    "exposure", "expected_users", "target_release",
    "ai_pattern", "autonomy", "decision_impact",
)
# Answers whose change may move the tier or invalidate an approval.
TIER_INPUTS: tuple[str, ...] = (*TIER_DRIVING_FIELDS, "generates_content")
KPI_FIELDS = ("name", "category", "unit", "baseline", "target", "direction")


def tier_answers(use_case: UseCase) -> dict[str, Any]:
    return {name: getattr(use_case, name) for name in TIER_INPUTS}


def use_case_missing_fields(use_case: UseCase, *, kpi_count: int) -> dict[str, str]:
    """Every reason the use case cannot be submitted yet, keyed by field."""
    missing: dict[str, str] = {}
    for name in REQUIRED_FOR_SUBMIT:
        value = getattr(use_case, f"{name}_id", None) if _is_fk(name) else getattr(use_case, name)
        if value in (None, ""):
            missing[name] = "Required to submit."
    if kpi_count == 0:
        missing["kpis"] = "Add at least one KPI with a baseline and a target to submit."
    if use_case.prohibited_practice:
        missing["prohibited_practice"] = (
            "This matches a practice prohibited by Article 5 of the EU AI Act, "
            "so it cannot proceed past intake."
        )
    return missing


def _is_fk(name: str) -> bool:
    return UseCase._meta.get_field(name).is_relation


def _next_reference() -> str:
    counter, _ = ReferenceCounter.objects.select_for_update().get_or_create(name="use_case")
    counter.last_value += 1
    counter.save(update_fields=["last_value"])
    return f"UC-{counter.last_value:04d}"


def _record_event(use_case: UseCase, *, kind: str, actor, before: str = "", note: str = "") -> None:
    UseCaseEvent.objects.create(
        use_case=use_case, kind=kind, from_status=before, to_status=use_case.status, note=note, actor=actor
    )


def _save(use_case: UseCase, actor) -> None:
    # simple-history records who changed it even outside a web request.
    use_case._history_user = actor
    use_case.save()


def _sync_kpis(use_case: UseCase, kpis: Iterable[Mapping[str, Any]]) -> None:
    """Make the use case's KPIs exactly ``kpis`` (rows with an id are updated)."""
    existing = {k.id: k for k in use_case.kpis.all()}
    keep: set[int] = set()
    for row in kpis:
        kpi = existing.get(row.get("id")) or KPI(use_case=use_case)
        for name in KPI_FIELDS:
            setattr(kpi, name, row[name])
        kpi.full_clean(exclude=["use_case"])
        kpi.save()
        keep.add(kpi.id)
    KPI.objects.filter(use_case=use_case).exclude(id__in=keep).delete()


# Answers held in many-to-many tables: set after the row is saved.
DEPENDENCY_FIELDS = ("vendors", "ai_models")


def _apply_answers(use_case: UseCase, answers: Mapping[str, Any]) -> None:
    before = {name: getattr(use_case, f"{name}_id") for name in OWNER_FIELDS}
    for name, value in answers.items():
        if name not in DEPENDENCY_FIELDS:
            setattr(use_case, name, value)
    use_case.full_clean(exclude=["reference", "created_by", "business_unit"], validate_unique=False)
    # Who may own it and who may sponsor it (decide its gates): the RACI's rules (docs/permissions.md).
    problems = owner_answer_problems(use_case, before=before)
    if problems:
        raise ValidationError(problems)


def use_case_owner_problems(*, use_case: UseCase | None, actor: AbstractBaseUser,
                            answers: Mapping[str, Any]) -> dict[str, str]:
    """What ``use_case_create`` (``use_case`` None) or ``use_case_update`` would refuse about the people
    these answers name, by field, without writing anything; for forms that validate before they save
    (the admin's)."""
    draft = UseCase(created_by=actor) if use_case is None else UseCase.objects.get(pk=use_case.pk)
    before = {name: getattr(draft, f"{name}_id") for name in OWNER_FIELDS}
    for name in OWNER_FIELDS:
        if name in answers:
            setattr(draft, name, answers[name])
    return owner_answer_problems(draft, before=before)


def dependency_ids(use_case: UseCase) -> dict[str, set[int]]:
    return {name: set(getattr(use_case, name).values_list("id", flat=True)) for name in DEPENDENCY_FIELDS}


def _set_dependencies(use_case: UseCase, answers: Mapping[str, Any]) -> None:
    """Vendors and models it depends on; ids or instances, unknown ones refused."""
    for name in DEPENDENCY_FIELDS:
        if name not in answers:
            continue
        model = UseCase._meta.get_field(name).related_model
        wanted = {getattr(item, "pk", item) for item in answers[name] or ()}
        found = set(model.objects.filter(pk__in=wanted).values_list("pk", flat=True))
        if wanted - found:
            raise ValidationError({name: "Choose only entries from the registry."})
        getattr(use_case, name).set(found)


@transaction.atomic
def use_case_create(
    *, actor: AbstractBaseUser, business_unit: BusinessUnit, answers: Mapping[str, Any],
    kpis: Iterable[Mapping[str, Any]] = (),
) -> UseCase:
    """Create a draft; partial answers are fine until submission."""
    use_case = UseCase(business_unit=business_unit, created_by=actor)
    _apply_answers(use_case, answers)
    use_case.reference = _next_reference()
    _save(use_case, actor)
    _set_dependencies(use_case, answers)
    _sync_kpis(use_case, kpis)
    _record_event(use_case, kind="created", actor=actor)
    raci_sync_defaults(use_case=use_case, actor=actor)
    return use_case


@transaction.atomic
def use_case_update(
    *, use_case: UseCase, actor: AbstractBaseUser, answers: Mapping[str, Any],
    kpis: Iterable[Mapping[str, Any]] | None = None,
) -> UseCase:
    """Change intake answers; a tiered use case is re-tiered when a tier input moved."""
    use_case = UseCase.objects.select_for_update().get(pk=use_case.pk)
    # Checked under the row lock: a status change between page and save must win.
    if not use_case.is_editable_status and not is_governance_admin(actor):
        status = use_case.get_status_display().lower()
        raise ValidationError(f"{use_case.reference} is {status}, so its answers can no longer be changed.")
    before = tier_answers(use_case)
    _apply_answers(use_case, answers)
    _save(use_case, actor)
    _set_dependencies(use_case, answers)
    if kpis is not None:
        _sync_kpis(use_case, kpis)
    if use_case.matrix_version_id and tier_answers(use_case) != before:
        _assess_tier(use_case, actor=actor, reason=TierAssessment.Reason.ANSWERS_CHANGED)
    raci_sync_defaults(use_case=use_case, actor=actor)
    return use_case


def _assess_tier(use_case: UseCase, *, actor, reason: str) -> TierAssessment:
    version = selectors.matrix_current_version()
    if version is None:
        raise ValidationError("No risk-tier matrix is published; ask a governance admin.")
    result = compute_tier(tier_answers(use_case), version.snapshot, version.number)
    use_case.computed_tier = result.computed_tier
    use_case.risk_tier = use_case.tier_override or result.computed_tier
    use_case.risk_score = result.score
    use_case.tier_explanation = result.explanation
    use_case.matrix_version = version
    use_case.eu_ai_act_category = eu_ai_act_category(tier_answers(use_case))
    _save(use_case, actor)
    return TierAssessment.objects.create(
        use_case=use_case, reason=reason, matrix_version=version, score=result.score,
        computed_tier=result.computed_tier, effective_tier=use_case.risk_tier,
        explanation=result.explanation, created_by=actor,
    )


@transaction.atomic
def use_case_submit(*, use_case: UseCase, actor: AbstractBaseUser) -> UseCase:
    """Submit a draft (or a use case whose changes were requested) and tier it."""
    use_case = UseCase.objects.select_for_update().get(pk=use_case.pk)
    if not use_case.is_editable_status:
        status = use_case.get_status_display().lower()
        raise ValidationError(f"{use_case.reference} is {status} and cannot be submitted.")
    missing = use_case_missing_fields(use_case, kpi_count=use_case.kpis.count())
    if missing:
        raise ValidationError(missing)
    before = use_case.status
    use_case.status = Status.SUBMITTED
    use_case.submitted_at = timezone.now()
    _assess_tier(use_case, actor=actor, reason=TierAssessment.Reason.SUBMITTED)
    kind = "resubmitted" if before == Status.CHANGES_REQUESTED else "submitted"
    _record_event(use_case, kind=kind, actor=actor, before=before,
                  note=f"Tier {use_case.get_risk_tier_display()} (matrix v{use_case.matrix_version.number})")
    raci_sync_defaults(use_case=use_case, actor=actor)
    return use_case


@transaction.atomic
def use_case_override_tier(
    *, use_case: UseCase, actor: AbstractBaseUser, tier: str, justification: str
) -> UseCase:
    """A governance admin sets the tier up or down, always with a written why."""
    use_case = UseCase.objects.select_for_update().get(pk=use_case.pk)
    justification = (justification or "").strip()
    errors = {}
    if tier not in RiskTier.values:
        errors["tier"] = "Choose a tier."
    if use_case.computed_tier is None:
        errors["tier"] = "The use case has no computed tier yet; submit it first."
    if len(justification) < 20:
        errors["justification"] = "Write a justification of at least 20 characters."
    if errors:
        raise ValidationError(errors)
    use_case.tier_override = tier
    use_case.tier_override_justification = justification
    use_case.tier_override_by = actor
    use_case.tier_override_at = timezone.now()
    use_case.risk_tier = tier
    _save(use_case, actor)
    TierAssessment.objects.create(
        use_case=use_case, reason=TierAssessment.Reason.OVERRIDE, matrix_version=use_case.matrix_version,
        score=use_case.risk_score or 0, computed_tier=use_case.computed_tier, effective_tier=tier,
        explanation=use_case.tier_explanation, justification=justification, created_by=actor,
    )
    _record_event(use_case, kind="tier_overridden", actor=actor, before=use_case.status,
                  note=f"Tier set to {use_case.get_risk_tier_display()}: {justification}")
    raci_sync_defaults(use_case=use_case, actor=actor)
    return use_case


@transaction.atomic
def pilot_selection_record(
    *, use_case: UseCase, actor: AbstractBaseUser, scores: Mapping[str, int], note: str = ""
) -> PilotSelection:
    """Record (or re-record) the triage score of the 12 pilot-selection criteria."""
    unknown = set(scores) - set(PILOT_CRITERIA)
    errors = {key: "Unknown criterion." for key in unknown}
    for key in PILOT_CRITERIA:
        value = scores.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 3:
            errors[key] = "Score each criterion 1, 2 or 3."
    if errors:
        raise ValidationError(errors)
    selection, _ = PilotSelection.objects.select_for_update().get_or_create(
        use_case=use_case, defaults={**scores, "scored_by": actor, "note": note}
    )
    for key in PILOT_CRITERIA:
        setattr(selection, key, scores[key])
    selection.note, selection.scored_by = note, actor
    selection._history_user = actor
    selection.save()
    return selection


@transaction.atomic
def use_case_set_status(*, use_case: UseCase, actor: AbstractBaseUser | None, status: str, note: str = "") -> UseCase:
    """Move the workflow status (called by the review workflow); grants follow it."""
    if status not in Status.values:
        raise ValidationError({"status": "Unknown status."})
    use_case = UseCase.objects.select_for_update().get(pk=use_case.pk)
    before = use_case.status
    if before == status:
        return use_case
    use_case.status = status
    _save(use_case, actor)
    _record_event(use_case, kind=f"status_{status}", actor=actor, before=before, note=note)
    raci_sync_defaults(use_case=use_case, actor=actor)
    return use_case


@transaction.atomic
def use_case_set_stage(*, use_case: UseCase, actor: AbstractBaseUser, stage: str, note: str = "") -> UseCase:
    """Move the rollout stage; only the gate service calls this, after its checks."""
    if stage not in Stage.values:
        raise ValidationError({"stage": "Unknown stage."})
    use_case = UseCase.objects.select_for_update().get(pk=use_case.pk)
    before = use_case.get_stage_display()
    use_case.stage = stage
    _save(use_case, actor)
    _record_event(use_case, kind="stage_changed", actor=actor, before=use_case.status,
                  note=f"{before} -> {use_case.get_stage_display()}. {note}".strip())
    raci_sync_defaults(use_case=use_case, actor=actor)
    return use_case


@transaction.atomic
def use_case_withdraw(*, use_case: UseCase, actor: AbstractBaseUser, reason: str) -> UseCase:
    """The outcome's A takes a use case out of the pipeline; the reason stays on the timeline."""
    require(actor, Action.WITHDRAW, use_case)
    reason = (reason or "").strip()
    if len(reason) < 10:
        raise ValidationError({"reason": "Say why it is withdrawn (at least 10 characters)."})
    use_case = UseCase.objects.select_for_update().get(pk=use_case.pk)
    if use_case.status in (Status.WITHDRAWN, Status.REJECTED):
        raise ValidationError(f"{use_case.reference} is already {use_case.get_status_display().lower()}.")
    return use_case_set_status(use_case=use_case, actor=actor, status=Status.WITHDRAWN, note=reason)
