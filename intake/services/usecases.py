"""Use-case writes of intake itself: drafts, withdrawal and pilot selection.

Submitting, changing answers and overriding the tier open and reopen reviews, so their one public
function each lives in the review workflow (``reviews.services``); it shares the steps of
``intake.steps`` with these.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from intake import batch, steps
from intake.choices import Status
from intake.models import PILOT_CRITERIA, BusinessUnit, PilotSelection, ReferenceCounter, UseCase
from intake.permissions import Action, require
from intake.signals import use_cases_created

from .raci import OWNER_FIELDS, owner_answer_problems, raci_create_defaults

MIN_WITHDRAW_REASON = 10


def _counter() -> ReferenceCounter:
    return ReferenceCounter.objects.select_for_update().get_or_create(name="use_case")[0]


def _next_reference() -> str:
    # An import's rows take their numbers from a counter read and written once per file (intake.batch).
    counter = batch.held("use_case_reference", _counter, fields=["last_value"])
    own = counter is None
    counter = _counter() if own else counter
    counter.last_value += 1
    if own:
        counter.save(update_fields=["last_value"])
    return f"UC-{counter.last_value:04d}"


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
    return {name: set(getattr(use_case, name).values_list("id", flat=True)) for name in steps.DEPENDENCY_FIELDS}


@transaction.atomic
def use_case_create(
    *, actor: AbstractBaseUser, business_unit: BusinessUnit, answers: Mapping[str, Any],
    kpis: Iterable[Mapping[str, Any]] = (),
) -> UseCase:
    """Create a draft in one of the actor's business units; partial answers are fine until submission."""
    require(actor, Action.CREATE, business_unit)
    use_case = UseCase(business_unit=business_unit, created_by=actor)
    steps.apply_answers(use_case, answers)
    use_case.reference = _next_reference()
    steps.insert(use_case, actor, answers, kpis)
    if not batch.defer(use_case, actor):  # an import records and settles its whole file at once (intake.batch)
        use_cases_settle(use_cases=[use_case], actor=actor)
    return use_case


def use_cases_settle(*, use_cases: Sequence[UseCase], actor: AbstractBaseUser) -> None:
    """A step of ``use_case_create``, after its check: the creation records, default RACI and grants of
    new use cases, then what the layers above derive from them (``use_cases_created``)."""
    steps.record_created(use_cases, actor)
    raci_create_defaults(use_cases=use_cases, actor=actor)
    use_cases_created.send(sender=UseCase, use_cases=use_cases, actor=actor)


@transaction.atomic
def pilot_selection_record(
    *, use_case: UseCase, actor: AbstractBaseUser, scores: Mapping[str, int], note: str = ""
) -> PilotSelection:
    """Record (or re-record) the triage score of the 12 pilot-selection criteria (PMO, governance admins)."""
    require(actor, Action.SCORE_PILOT, use_case)
    unknown = set(scores) - set(PILOT_CRITERIA)
    errors = {key: "Unknown criterion." for key in unknown}
    for key in PILOT_CRITERIA:
        value = scores.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 3:
            errors[key] = "Score each criterion 1, 2 or 3."
    if errors:
        raise ValidationError(errors)
    steps.lock(use_case)  # every writer of the use case's evidence (and the API's If-Match check) takes it
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
def use_case_withdraw(*, use_case: UseCase, actor: AbstractBaseUser, reason: str) -> UseCase:
    """The outcome's A (or a governance admin) takes a use case out of the pipeline; the reason stays on the
    timeline."""
    require(actor, Action.WITHDRAW, use_case)
    reason = (reason or "").strip()
    if len(reason) < MIN_WITHDRAW_REASON:
        raise ValidationError({"reason": f"Say why it is withdrawn (at least {MIN_WITHDRAW_REASON} characters)."})
    use_case = steps.lock(use_case)
    return steps.move_status(use_case, to=Status.WITHDRAWN, actor=actor, note=reason, action="withdrawn")
