"""The one service that decides a stage gate (governance model, section 3).

Scale checks every criterion of the gate table and refuses, changing nothing,
with every unmet criterion listed; pivot goes back to an earlier stage with a
redesign note; pause and kill need only a rationale. Each decision is an
immutable GateDecision, and the use case's stage moves through intake.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from intake import permissions
from intake import services as intake_services
from intake.choices import Stage, Status
from intake.models import UseCase
from intake.permissions import Action
from reviews import notifications
from reviews.models import GateDecision, GateOutcome
from reviews.selectors import NEXT_STAGE, gate_criteria

MIN_RATIONALE = 10
# The working stages, in order: a pivot goes back to one before the current one.
ORDER = [Stage.EXPLORATION, Stage.PILOT, Stage.CONTROLLED_ROLLOUT, Stage.SCALED]
CLOSED = (Stage.STOPPED, Stage.RETIRED)
# Gates are decided once a use case is submitted, and never on one withdrawn or rejected.
GATE_STATUSES = (Status.SUBMITTED, Status.IN_REVIEW, Status.CHANGES_REQUESTED, Status.APPROVED)


class GateClosed(ValidationError):
    """No gate may be decided in the use case's status (a draft, withdrawn or rejected): a conflict with
    its state, not bad input (409 in the API)."""


def gate_closed_reason(use_case: UseCase) -> str:
    """Why no gate may be decided on this use case now, in words; "" when its gates are open."""
    if use_case.status in GATE_STATUSES:
        return ""
    if use_case.status == Status.DRAFT:
        return f"{use_case.reference} is a draft: its stage gates are decided once it has been submitted."
    return f"{use_case.reference} is {use_case.get_status_display().lower()}: it has no more stage gates."


class GateRefused(ValidationError):
    """Scale refused: ``unmet`` lists each unmet criterion in a sponsor's words."""

    def __init__(self, unmet: list[str]):
        self.unmet = unmet
        super().__init__(["This gate cannot be passed yet. Unmet: " + " ".join(unmet)])


def _pivot_target(use_case: UseCase, to_stage: str) -> str:
    current = use_case.stage
    # Resuming a paused use case: any working stage short of scaled.
    earlier = ORDER[: ORDER.index(current)] if current in ORDER else []
    allowed = ORDER[:-1] if current == Stage.PAUSED else earlier
    if to_stage not in allowed:
        names = ", ".join(Stage(s).label for s in allowed) or "none"
        raise ValidationError({"to_stage": f"Pivot goes back to an earlier stage ({names})."})
    return to_stage


def _target(use_case: UseCase, outcome: str, to_stage: str, redesign_note: str) -> tuple[str, list[dict]]:
    if outcome == GateOutcome.SCALE:
        if use_case.stage not in NEXT_STAGE:
            raise ValidationError({"outcome": f"There is no scale gate from {use_case.get_stage_display()}."})
        criteria = gate_criteria(use_case)
        unmet = [f"{c.label}: {c.detail}" if c.detail else f"{c.label}." for c in criteria if not c.met]
        if unmet:
            raise GateRefused(unmet)
        return NEXT_STAGE[use_case.stage], [c.as_dict() for c in criteria]
    if outcome == GateOutcome.PIVOT:
        if len(redesign_note.strip()) < MIN_RATIONALE:
            raise ValidationError({"redesign_note": "A pivot needs a redesign note (at least 10 characters)."})
        return _pivot_target(use_case, to_stage), []
    if outcome == GateOutcome.PAUSE:
        return Stage.PAUSED, []
    if outcome == GateOutcome.KILL:
        return Stage.STOPPED, []
    raise ValidationError({"outcome": "Choose scale, pivot, pause or kill."})


@transaction.atomic
def gate_decide(
    *, use_case: UseCase, actor: AbstractBaseUser, outcome: str, rationale: str,
    to_stage: str = "", redesign_note: str = "",
) -> GateDecision:
    """Decide the gate; only the A on go_no_go (or a governance admin), never the use case's own people.

    Raises Http404 / PermissionDenied (with the separation-of-duties reason), GateClosed for a draft,
    withdrawn or rejected use case, GateRefused for an unmet scale and ValidationError for bad input.
    """
    permissions.require(actor, Action.DECIDE_GATE, use_case)
    use_case = UseCase.objects.select_for_update().get(pk=use_case.pk)
    # Under the lock, whatever any RACI row or grant says: the use case's own people never decide it.
    permissions.refuse_own_people(actor, Action.DECIDE_GATE, use_case)
    if use_case.status not in GATE_STATUSES:
        raise GateClosed(gate_closed_reason(use_case))
    rationale, redesign_note = (rationale or "").strip(), (redesign_note or "").strip()
    if len(rationale) < MIN_RATIONALE or len(rationale) > 5000:
        raise ValidationError({"rationale": "Give a rationale of 10 to 5000 characters."})
    if use_case.stage in CLOSED:
        raise ValidationError({"outcome": f"{use_case.reference} is {use_case.get_stage_display().lower()}."})
    new_stage, criteria = _target(use_case, outcome, to_stage, redesign_note)
    decision = GateDecision.objects.create(
        use_case=use_case, outcome=outcome, from_stage=use_case.stage, to_stage=new_stage, rationale=rationale,
        redesign_note=redesign_note, criteria=criteria, decided_by=actor,
    )
    intake_services.use_case_set_stage(use_case=use_case, actor=actor, stage=new_stage,
                                       note=f"Gate: {decision.get_outcome_display()}.")
    notifications.gate_decided(decision, actor=actor)
    return decision
