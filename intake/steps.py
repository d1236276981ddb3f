"""Steps of the use-case services: the writes they share, with no permission check of their own.

Only a service that has asked ``intake.permissions`` and holds the use case's row lock calls these:
``intake.services`` (create, withdraw) and the review workflow in ``reviews.services`` (submit,
update, tier override, gates), which is the one public function of each of those actions.
``move_status`` and ``move_stage`` are the only writers of the status and the stage; both follow
the tables of ``intake.lifecycle``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from intake import batch, lifecycle, selectors
from intake.choices import RiskTier, Status
from intake.models import KPI, TierAssessment, UseCase, UseCaseEvent
from intake.models.usecase import USE_CASE_HISTORY
from intake.services.raci import OWNER_FIELDS, owner_answer_problems, raci_sync_defaults
from intake.signals import use_case_changed
from intake.tiering import TIER_DRIVING_FIELDS, compute_tier, eu_ai_act_category

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
# Answers held in many-to-many tables: set after the row is saved.
DEPENDENCY_FIELDS = ("vendors", "ai_models")
MIN_OVERRIDE_JUSTIFICATION = 20


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


def lock(use_case: UseCase) -> UseCase:
    batch.settle_one(use_case)  # a use case created in an import is whole before anything changes it
    return UseCase.objects.select_for_update().get(pk=use_case.pk)


def save(use_case: UseCase, actor) -> None:
    # simple-history records who changed it even outside a web request.
    use_case._history_user = actor
    use_case.save()


def insert(use_case: UseCase, actor, answers: Mapping[str, Any], kpis: Iterable[Mapping[str, Any]]) -> None:
    """Store a new use case with the vendors and models ``answers`` name and its ``kpis``, without history:
    ``record_created`` writes its one creation record, holding them. Everything is checked before the
    first write. An import may keep the links and KPIs to write its file's rows together (intake.batch)."""
    rows = NewRows(links=checked_links(answers), kpis=tuple(checked_kpis(kpis)))
    use_case._history_user = actor
    use_case.skip_history_when_saving = True  # simple-history's switch, for this write only
    try:
        use_case.save()
    finally:
        del use_case.skip_history_when_saving
    if not batch.keep_rows(use_case, rows):
        write_new_rows({use_case.pk: rows})


@dataclass(frozen=True)
class NewRows:
    """A new use case's links (registry ids by field) and KPIs (checked values), not yet written."""

    links: Mapping[str, tuple[int, ...]]
    kpis: tuple[Mapping[str, Any], ...]


def write_new_rows(rows: Mapping[int, NewRows]) -> None:
    """The links and KPIs of use cases just inserted, by use case id: they have none, so nothing is read
    back first (what ``add`` does); one insert per table for the whole set."""
    for name in DEPENDENCY_FIELDS:
        field = UseCase._meta.get_field(name)
        through = field.remote_field.through
        own, other = f"{field.m2m_field_name()}_id", f"{field.m2m_reverse_field_name()}_id"
        through.objects.bulk_create([through(**{own: pk, other: target})
                                     for pk, new in rows.items() for target in new.links.get(name, ())])
    KPI.objects.bulk_create([KPI(use_case_id=pk, **values) for pk, new in rows.items() for values in new.kpis])


def record_created(use_cases: Sequence[UseCase], actor) -> None:
    """The creation records of use cases ``actor`` just inserted (``insert``, ``write_new_rows``): each one's
    history record with its vendor and model links, its KPIs' records, and its "created" event (which
    publishes nothing, so no save signal is needed). Set-based: a page records its one use case, an
    import its file's rows a chunk at a time (intake.batch), in the same few statements."""
    by_pk = {use_case.pk: use_case for use_case in use_cases}
    for use_case in use_cases:
        use_case._history_user, use_case._history_date = actor, use_case.created_at
    records = {record.id: record for record in UseCase.history.bulk_history_create(use_cases)}
    for field in USE_CASE_HISTORY.get_m2m_fields_from_model(UseCase):
        record_model, through = USE_CASE_HISTORY.m2m_models[field], field.remote_field.through
        own = f"{field.m2m_field_name()}_id"
        record_model.objects.bulk_create([
            record_model(history=records[getattr(row, own)], **{f.attname: getattr(row, f.attname)
                                                                 for f in through._meta.fields})
            for row in through.objects.filter(**{f"{own}__in": by_pk}).order_by("pk")
        ])
    kpis = list(KPI.objects.filter(use_case_id__in=by_pk).order_by("pk"))
    for kpi in kpis:
        kpi._history_user, kpi._history_date = actor, by_pk[kpi.use_case_id].created_at
    KPI.history.bulk_history_create(kpis)
    UseCaseEvent.objects.bulk_create([UseCaseEvent(use_case=use_case, kind="created", to_status=use_case.status,
                                                   actor=actor) for use_case in use_cases])


def record_event(use_case: UseCase, *, kind: str, actor, before: str = "", note: str = "") -> None:
    UseCaseEvent.objects.create(
        use_case=use_case, kind=kind, from_status=before, to_status=use_case.status, note=note, actor=actor
    )


# -- lifecycle ------------------------------------------------------------------------------------


def move_status(use_case: UseCase, *, to: str, actor: AbstractBaseUser | None, kind: str = "", note: str = "",
                action: str = "") -> UseCase:
    """Move the locked use case's status along ``lifecycle.STATUS_MOVES``; grants follow the status.

    Staying where it is is no move and records nothing. ``kind`` names the timeline event
    (``status_<status>`` unless given); ``action`` words a refusal ("submitted", "withdrawn").
    """
    if use_case.status == to:
        return use_case
    lifecycle.check_status(use_case, to, action=action or f"moved to {Status(to).label.lower()}")
    before = use_case.status
    use_case.status = to
    save(use_case, actor)
    record_event(use_case, kind=kind or f"status_{to}", actor=actor, before=before, note=note)
    raci_sync_defaults(use_case=use_case, actor=actor)
    return use_case


def move_stage(use_case: UseCase, *, to: str, outcome: str, actor: AbstractBaseUser, note: str = "") -> UseCase:
    """Move the locked use case's stage by a gate ``outcome`` along ``lifecycle.STAGE_MOVES``."""
    lifecycle.check_stage(use_case, to, outcome=outcome)
    before = use_case.get_stage_display()
    use_case.stage = to
    save(use_case, actor)
    record_event(use_case, kind="stage_changed", actor=actor, before=use_case.status,
                 note=f"{before} -> {use_case.get_stage_display()}. {note}".strip())
    raci_sync_defaults(use_case=use_case, actor=actor)
    return use_case


# -- answers --------------------------------------------------------------------------------------


def apply_answers(use_case: UseCase, answers: Mapping[str, Any]) -> None:
    before = {name: getattr(use_case, f"{name}_id") for name in OWNER_FIELDS}
    for name, value in answers.items():
        if name not in DEPENDENCY_FIELDS:
            setattr(use_case, name, value)
    # A related answer given as a stored row was read by the edge that parsed it (a form's or serializer's
    # choices, an import's lookup): asking the database again whether it exists costs a query a field.
    held = [name for name, value in answers.items()
            if isinstance(value, models.Model) and value.pk is not None and name not in DEPENDENCY_FIELDS]
    # An import that checked its file's external ids against the store and each other has nothing left for
    # the unique constraint to find.
    use_case.full_clean(exclude=["reference", "created_by", "business_unit", *held], validate_unique=False,
                        validate_constraints=not (use_case.pk is None and batch.keys_checked()))
    # Who may own it and who may sponsor it (decide its gates): the RACI's rules (docs/permissions.md).
    problems = owner_answer_problems(use_case, before=before)
    if problems:
        raise ValidationError(problems)


def checked_links(answers: Mapping[str, Any]) -> dict[str, tuple[int, ...]]:
    """The ids of the vendors and models ``answers`` name (ids or instances), by field; unknown ones refused."""
    links: dict[str, tuple[int, ...]] = {}
    for name in DEPENDENCY_FIELDS:
        if name not in answers:
            continue
        field = UseCase._meta.get_field(name)
        items = list(answers[name] or ())
        wanted = {getattr(item, "pk", item) for item in items}
        # Stored rows were read by the edge that parsed them, as for apply_answers' related answers.
        held = all(isinstance(item, models.Model) and item.pk is not None for item in items)
        found = wanted if held else set(field.related_model.objects.filter(pk__in=wanted).values_list("pk", flat=True))
        if wanted - found:
            raise ValidationError({name: "Choose only entries from the registry."})
        links[name] = tuple(sorted(found))
    return links


def set_dependencies(use_case: UseCase, answers: Mapping[str, Any]) -> None:
    """Vendors and models the stored use case depends on; ids or instances, unknown ones refused."""
    for name, ids in checked_links(answers).items():
        getattr(use_case, name).set(ids)


def checked_kpis(kpis: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The values of a new use case's KPIs, each checked as its row would be."""
    checked = []
    for row in kpis:
        kpi = KPI(**{name: row[name] for name in KPI_FIELDS})
        kpi.full_clean(exclude=["use_case"])
        checked.append({name: getattr(kpi, name) for name in KPI_FIELDS})
    return checked


def sync_kpis(use_case: UseCase, kpis: Iterable[Mapping[str, Any]]) -> None:
    """Make the stored use case's KPIs exactly ``kpis`` (rows with an id are updated)."""
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


def answers_write(*, use_case: UseCase, actor: AbstractBaseUser, answers: Mapping[str, Any],
                  kpis: Iterable[Mapping[str, Any]] | None = None) -> UseCase:
    """Change intake answers of the locked use case; a tiered one is re-tiered when a tier input moved."""
    before = tier_answers(use_case)
    apply_answers(use_case, answers)
    save(use_case, actor)
    set_dependencies(use_case, answers)
    if kpis is not None:
        sync_kpis(use_case, kpis)
    if use_case.matrix_version_id and tier_answers(use_case) != before:
        tier_assess(use_case, actor=actor, reason=TierAssessment.Reason.ANSWERS_CHANGED)
    raci_sync_defaults(use_case=use_case, actor=actor)
    use_case_changed.send(sender=UseCase, use_case=use_case, actor=actor, reason="answers_changed")
    return use_case


# -- tiering and submission -----------------------------------------------------------------------


def tier_assess(use_case: UseCase, *, actor, reason: str) -> TierAssessment:
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
    save(use_case, actor)
    return TierAssessment.objects.create(
        use_case=use_case, reason=reason, matrix_version=version, score=result.score,
        computed_tier=result.computed_tier, effective_tier=use_case.risk_tier,
        explanation=result.explanation, created_by=actor,
    )


def submission_write(*, use_case: UseCase, actor: AbstractBaseUser) -> UseCase:
    """Submit the locked use case (a draft, or one whose changes were requested): check it is complete,
    tier it, and move it to Submitted."""
    lifecycle.check_status(use_case, Status.SUBMITTED, action="submitted")
    missing = use_case_missing_fields(use_case, kpi_count=use_case.kpis.count())
    if missing:
        raise ValidationError(missing)
    kind = "resubmitted" if use_case.status == Status.CHANGES_REQUESTED else "submitted"
    use_case.submitted_at = timezone.now()
    tier_assess(use_case, actor=actor, reason=TierAssessment.Reason.SUBMITTED)
    move_status(use_case, to=Status.SUBMITTED, actor=actor, kind=kind, action="submitted",
                note=f"Tier {use_case.get_risk_tier_display()} (matrix v{use_case.matrix_version.number})")
    use_case_changed.send(sender=UseCase, use_case=use_case, actor=actor, reason="submitted")
    return use_case


def tier_override_write(*, use_case: UseCase, actor: AbstractBaseUser, tier: str, justification: str) -> UseCase:
    """Set the locked use case's tier up or down, always with a written why."""
    justification = (justification or "").strip()
    errors = {}
    if tier not in RiskTier.values:
        errors["tier"] = "Choose a tier."
    if use_case.computed_tier is None:
        errors["tier"] = "The use case has no computed tier yet; submit it first."
    if len(justification) < MIN_OVERRIDE_JUSTIFICATION:
        errors["justification"] = f"Write a justification of at least {MIN_OVERRIDE_JUSTIFICATION} characters."
    if errors:
        raise ValidationError(errors)
    use_case.tier_override = tier
    use_case.tier_override_justification = justification
    use_case.tier_override_by = actor
    use_case.tier_override_at = timezone.now()
    use_case.risk_tier = tier
    save(use_case, actor)
    TierAssessment.objects.create(
        use_case=use_case, reason=TierAssessment.Reason.OVERRIDE, matrix_version=use_case.matrix_version,
        score=use_case.risk_score or 0, computed_tier=use_case.computed_tier, effective_tier=tier,
        explanation=use_case.tier_explanation, justification=justification, created_by=actor,
    )
    record_event(use_case, kind="tier_overridden", actor=actor, before=use_case.status,
                 note=f"Tier set to {use_case.get_risk_tier_display()}: {justification}")
    raci_sync_defaults(use_case=use_case, actor=actor)
    use_case_changed.send(sender=UseCase, use_case=use_case, actor=actor, reason="tier_overridden")
    return use_case
