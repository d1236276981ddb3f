"""Writes of an inventory import: one function per kind of row, each through the domain services.

A use case is created (``intake.services.use_case_create``) or changed
(``reviews.services.use_case_update``); one at a stage beyond Exploration is then submitted
(``use_case_submit``) and registered at its stage by the gate service
(``reviews.services.registration.use_case_register``). Assessments go through
``vendors.services``. Vendors and registry models have no domain service (the admin edits them as
records), so theirs live here: the vendors permission, ``full_clean`` and an audited save.
Each function checks its own permission and runs in one transaction.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from core.roles import is_governance_admin
from intake import batch
from intake.choices import Stage
from intake.models import BusinessUnit, UseCase
from intake.services import use_case_create
from vendors import services as vendor_services
from vendors.choices import AssessmentStatus
from vendors.models import AIModel, Vendor, VendorAssessment

# Stages an imported use case may be registered at; Exploration is where a new one starts anyway.
REGISTRABLE_STAGES = (Stage.PILOT, Stage.CONTROLLED_ROLLOUT, Stage.SCALED)
IMPORTABLE_STAGES = (Stage.EXPLORATION, *REGISTRABLE_STAGES)


def require_importer(actor: AbstractBaseUser | None) -> None:
    """Only governance admins import inventory files (every row also meets its own service's check)."""
    if actor is None or not is_governance_admin(actor):
        raise PermissionDenied("Only governance admins import inventory files.")


def _save(obj, actor) -> None:
    obj._history_user = actor  # simple-history records who changed it, also outside a request
    obj.save()


def _require_record_perm(actor, model: type, *, create: bool, label: str) -> None:
    perm = f"{model._meta.app_label}.{'add' if create else 'change'}_{model._meta.model_name}"
    if not (is_governance_admin(actor) or actor.has_perm(perm)):
        raise PermissionDenied(f"Only procurement and governance admins {'add' if create else 'change'} {label}.")


def _record_save(*, actor, obj, model: type, values: Mapping[str, Any], label: str):
    _require_record_perm(actor, model, create=obj is None, label=label)
    obj = model() if obj is None else model.objects.select_for_update().get(pk=obj.pk)
    for name, value in values.items():
        setattr(obj, name, value)
    obj.full_clean()
    _save(obj, actor)
    return obj


@transaction.atomic
def vendor_save(*, actor: AbstractBaseUser, vendor: Vendor | None, values: Mapping[str, Any]) -> Vendor:
    """Create (``vendor`` None) or change a vendor's own fields; its status moves only by assessments."""
    allowed = {"external_id", "name", "website", "description", "criticality"}
    return _record_save(actor=actor, obj=vendor, model=Vendor, label="vendors",
                        values={k: v for k, v in values.items() if k in allowed})


@transaction.atomic
def ai_model_save(*, actor: AbstractBaseUser, model: AIModel | None, values: Mapping[str, Any]) -> AIModel:
    """Create (``model`` None) or change an entry of the approved model registry. A new entry starts at the
    status given; a stored one's status moves through ``ai_model_status_set``, so the live use cases that
    call it follow, as when it changes in admin or the API."""
    allowed = {"external_id", "provider", "name", "version", "hosting", "max_data_classification", "max_tier",
               "next_review_date", "notes", *(("status",) if model is None else ())}
    saved = _record_save(actor=actor, obj=model, model=AIModel, label="registry models",
                         values={k: v for k, v in values.items() if k in allowed})
    if model is not None and "status" in values:
        saved = vendor_services.ai_model_status_set(model=saved, actor=actor, status=values["status"],
                                                    note="Inventory import")
    return saved


@transaction.atomic
def assessment_import(
    *, actor: AbstractBaseUser, assessment: VendorAssessment | None, vendor: Vendor | None,
    values: Mapping[str, Any], changed: Iterable[str],
) -> VendorAssessment:
    """Start (``assessment`` None) or carry on a due-diligence assessment through ``vendors.services``:
    assign, rate, set due date and notes, and complete it when the row has an outcome."""
    changed, created = set(changed), assessment is None
    if assessment is None:
        if vendor is None:
            raise ValidationError({"vendor": "Required: the vendor assessed."})
        assessment = vendor_services.vendor_assessment_start(vendor=vendor, actor=actor,
                                                             due_on=values.get("due_on"))
        changed = set(values)
    elif assessment.status == AssessmentStatus.COMPLETED:
        raise ValidationError({"outcome": f"{assessment} is completed; a decided assessment is a record."})
    elif "vendor" in changed:
        raise ValidationError({"vendor": "An assessment stays with its vendor; start a new one instead."})
    if "assessor" in changed and values.get("assessor") is not None:
        assessment = vendor_services.vendor_assessment_assign(assessment=assessment, actor=actor,
                                                              assessor=values["assessor"])
    if values.get("ratings") and "ratings" in changed:
        ratings = {key: {"rating": rating} for key, rating in values["ratings"].items()}
        try:
            assessment = vendor_services.vendor_assessment_rate(assessment=assessment, actor=actor, ratings=ratings)
        except ValidationError as exc:
            raise ValidationError({"ratings": exc.messages}) from exc
    edits: dict[str, Any] = {}
    if "notes" in changed:
        edits["notes"] = values.get("notes") or ""
    if "due_on" in changed and not created:
        due = values.get("due_on")
        if due is not None and due < timezone.localdate():
            raise ValidationError({"due_on": "The due date cannot be in the past."})
        edits["due_on"] = due
    if values.get("external_id") and assessment.external_id != values["external_id"]:
        edits["external_id"] = values["external_id"]
    if edits:
        _require_record_perm(actor, VendorAssessment, create=False, label="vendor assessments")
        assessment = VendorAssessment.objects.select_for_update().get(pk=assessment.pk)
        for name, value in edits.items():
            setattr(assessment, name, value)
        assessment.full_clean(exclude=["vendor", "assessor", "completed_by"])
        _save(assessment, actor)
    if values.get("outcome"):
        try:
            assessment = vendor_services.vendor_assessment_complete(
                assessment=assessment, actor=actor, outcome=values["outcome"], conditions=values.get("conditions", ""))
        except ValidationError as exc:
            errors = getattr(exc, "error_dict", None)
            raise ValidationError({("outcome" if k == "outcome" else k): v for k, v in errors.items()}
                                  if errors else {"outcome": exc.messages}) from exc
    return assessment


@dataclass(frozen=True)
class Registration:
    """Where an imported use case really stands: its stage and, beyond Exploration, why and what is missing."""

    stage: str = Stage.EXPLORATION
    rationale: str = ""
    missing: Sequence[str] = field(default_factory=tuple)
    owner: AbstractBaseUser | None = None
    due: datetime.date | None = None


def registration_problems(registration: Registration) -> dict[str, str]:
    """What is wrong with a registration before anything is written, by column."""
    errors: dict[str, str] = {}
    if registration.stage not in IMPORTABLE_STAGES:
        errors["stage"] = f"Import at one of: {', '.join(IMPORTABLE_STAGES)}."
        return errors
    if registration.stage == Stage.EXPLORATION:
        for name in ("rationale", "missing", "owner", "due"):
            if getattr(registration, name):
                errors[_COLUMNS[name]] = "Only for a use case registered beyond Exploration."
        return errors
    if registration.missing and registration.owner is None:
        errors["remediation_owner"] = "Name who closes the missing criteria (a username)."
    if registration.missing and registration.due is None:
        errors["remediation_due"] = "Give the date the missing criteria are due (YYYY-MM-DD)."
    return errors


# The registration service's fields, as the columns of the use-case file.
_REGISTER_COLUMNS = {"to_stage": "stage", "rationale": "registration_rationale", "missing": "missing_criteria"}
_COLUMNS = {"rationale": "registration_rationale", "missing": "missing_criteria", "owner": "remediation_owner",
            "due": "remediation_due"}


def _register(use_case: UseCase, *, actor, registration: Registration) -> None:
    try:  # the gate service's registration decision (written alongside this import)
        from reviews.services.registration import MissingCriterion, use_case_register
        try:
            from reviews.selectors import registration_criteria
        except ImportError:
            from reviews.selectors.registration import registration_criteria
    except ImportError:
        raise ValidationError({"stage": "Registering a use case beyond Exploration is not available yet."}) from None
    known = {key for key, _label in registration_criteria(use_case, registration.stage)}
    unknown = [key for key in registration.missing if key not in known]
    if unknown:
        raise ValidationError({"missing_criteria": f"Unknown criteria for {registration.stage}: "
                                                   f"{', '.join(unknown)}; use: {', '.join(sorted(known))}."})
    try:
        use_case_register(
            use_case=use_case, actor=actor, to_stage=registration.stage, rationale=registration.rationale,
            missing=[MissingCriterion(key=key, owner=registration.owner, due=registration.due)
                     for key in registration.missing],
        )
    except PermissionDenied as exc:  # e.g. separation of duties: the importer created and submitted it
        raise ValidationError({"stage": str(exc)}) from exc
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        raise ValidationError({_REGISTER_COLUMNS.get(name, name): messages
                               for name, messages in exc.message_dict.items()}) from exc


@transaction.atomic
def use_case_import(
    *, actor: AbstractBaseUser, use_case: UseCase | None, business_unit: BusinessUnit | None,
    answers: Mapping[str, Any], kpis: Sequence[Mapping[str, Any]] | None,
    registration: Registration = Registration(),
) -> UseCase:
    """Create a use case (``use_case`` None) and place it at its stage, or change the answers of one.

    A new one at Pilot or beyond is created, submitted and registered by the gate service, so its
    RACI, tier, reviews and remediation list are what the pages would make. An existing one keeps
    its stage: stages move through gates, not files.
    """
    from reviews.services import use_case_submit, use_case_update  # the workflow sits above intake

    require_importer(actor)
    if use_case is not None:
        if registration.stage != use_case.stage:
            raise ValidationError({"stage": f"{use_case.reference} is at {use_case.get_stage_display()}; a stage "
                                            "moves through its gate, not through an import."})
        return use_case_update(use_case=use_case, actor=actor, answers=answers, kpis=kpis)
    if business_unit is None:
        raise ValidationError({"business_unit": "Required: the code of the business unit."})
    problems = registration_problems(registration)
    if problems:
        raise ValidationError(problems)
    use_case = use_case_create(actor=actor, business_unit=business_unit, answers=answers, kpis=kpis or ())
    if registration.stage != Stage.EXPLORATION:
        batch.settle_one(use_case)  # whole (RACI, grants, register) before the gate services act on it
        use_case = use_case_submit(use_case=use_case, actor=actor)
        _register(use_case, actor=actor, registration=registration)
        use_case.refresh_from_db()
    return use_case
