"""The one service that decides a stage gate (governance model, section 3).

Scale checks every criterion of the gate table and refuses, changing nothing,
with every unmet criterion listed; pivot goes back to an earlier stage with a
redesign note; pause, kill and retire need only a rationale. Where each outcome
may go is the stage table of ``intake.lifecycle``. Each decision is an immutable
GateDecision, and the use case's stage moves through ``intake.steps.move_stage``.
"""

from __future__ import annotations

import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from core.errors import InvalidTransition
from intake import lifecycle, permissions, steps
from intake.choices import Stage, Status
from intake.models import UseCase
from intake.permissions import Action
from reviews import notifications
from reviews.models import GateDecision, GateOutcome, GovernancePolicy
from reviews.selectors import Criterion, gate_criteria, policy_in_force

from .pilots import pilot_schedule
from .workflow import withdraw_open_reviews

MIN_RATIONALE = 10
MAX_RATIONALE = 5000
# Gates are decided once a use case is submitted, and never on one withdrawn or rejected.
GATE_STATUSES = (Status.SUBMITTED, Status.IN_REVIEW, Status.CHANGES_REQUESTED, Status.APPROVED)


class GateClosed(InvalidTransition):
    """No gate may be decided in the use case's status (a draft, withdrawn or rejected) or stage (stopped or
    retired): a conflict with its state, not bad input (409 ``invalid_transition`` in the API)."""


def gate_closed_reason(use_case: UseCase) -> str:
    """Why no gate may be decided on this use case now, in words; "" when its gates are open."""
    if reason := lifecycle.final_reason(use_case):
        return reason
    if use_case.status in GATE_STATUSES:
        return ""
    if use_case.status == Status.DRAFT:
        return f"{use_case.reference} is a draft: its stage gates are decided once it has been submitted."
    return f"{use_case.reference} is {use_case.get_status_display().lower()}: it has no more stage gates."


class GateRefused(ValidationError):
    """Scale refused: ``criteria`` are the unmet criteria; ``unmet`` says each in a sponsor's words."""

    def __init__(self, criteria: list[Criterion]):
        self.criteria = criteria
        self.unmet = [f"{c.label}: {c.detail}" if c.detail else f"{c.label}." for c in criteria]
        super().__init__(["This gate cannot be passed yet. Unmet: " + " ".join(self.unmet)])


def _pivot_target(use_case: UseCase, to_stage: str) -> str:
    allowed = lifecycle.stage_targets(use_case.stage, GateOutcome.PIVOT)
    if to_stage not in allowed:
        names = ", ".join(Stage(s).label for s in allowed) or "none"
        raise ValidationError({"to_stage": f"Pivot goes back to an earlier stage ({names})."})
    return to_stage


def _only_target(use_case: UseCase, outcome: str) -> str:
    """Where scale, pause, kill or retire go from the current stage, or InvalidTransition why not."""
    targets = lifecycle.stage_targets(use_case.stage, outcome)
    if not targets:
        stage = use_case.get_stage_display().lower()
        raise InvalidTransition(f"{use_case.reference} is in {stage}: there is no {outcome} gate from there.")
    return targets[0]


def _target(use_case: UseCase, outcome: str, to_stage: str, redesign_note: str,
            policy: GovernancePolicy) -> tuple[str, list[dict]]:
    # Register is not a gate of this service: a governance admin places an existing system through
    # reviews.services.use_case_register, with what it attests and what is missing.
    decided = [o for o in GateOutcome.values if o != GateOutcome.REGISTER]
    if outcome not in decided:
        raise ValidationError({"outcome": "Choose " + ", ".join(decided[:-1]) + " or " + decided[-1] + "."})
    if outcome == GateOutcome.PIVOT:
        if len(redesign_note) < MIN_RATIONALE:
            raise ValidationError({"redesign_note": "A pivot needs a redesign note (at least 10 characters)."})
        return _pivot_target(use_case, to_stage), []
    target = _only_target(use_case, outcome)
    if outcome != GateOutcome.SCALE:
        return target, []
    criteria = gate_criteria(use_case, policy)
    unmet = [c for c in criteria if not c.met]
    if unmet:
        raise GateRefused(unmet)
    return target, [c.as_dict() for c in criteria]


@transaction.atomic
def gate_decide(
    *, use_case: UseCase, actor: AbstractBaseUser, outcome: str, rationale: str,
    to_stage: str = "", redesign_note: str = "", pilot_start: datetime.date | None = None,
    pilot_end: datetime.date | None = None,
) -> GateDecision:
    """Decide the gate; only the A on go_no_go (or a governance admin), never the use case's own people.

    Scale advances one stage once every criterion is met; pivot goes back with a redesign note; pause,
    kill and retire need a rationale. Raises Http404 / PermissionDenied (with the separation-of-duties
    reason), GateClosed or InvalidTransition for a move the lifecycle forbids, GateRefused for an unmet
    scale and ValidationError for bad input.
    """
    permissions.require(actor, Action.DECIDE_GATE, use_case)
    use_case = steps.lock(use_case)
    # Under the lock, whatever any RACI row or grant says: the use case's own people never decide it.
    permissions.refuse_own_people(actor, Action.DECIDE_GATE, use_case)
    if reason := gate_closed_reason(use_case):
        raise GateClosed(reason)
    rationale, redesign_note = (rationale or "").strip(), (redesign_note or "").strip()
    if not MIN_RATIONALE <= len(rationale) <= MAX_RATIONALE:
        raise ValidationError({"rationale": f"Give a rationale of {MIN_RATIONALE} to {MAX_RATIONALE} characters."})
    policy = policy_in_force()  # recorded with the decision: a later policy never rewrites it
    new_stage, criteria = _target(use_case, outcome, to_stage, redesign_note, policy)
    # A go into Pilot starts its time-box (the policy's, unless given), saved with the stage.
    pilot_schedule(use_case, to_stage=new_stage, outcome=outcome, policy=policy, start=pilot_start, end=pilot_end)
    decision = GateDecision.objects.create(
        use_case=use_case, outcome=outcome, from_stage=use_case.stage, to_stage=new_stage, rationale=rationale,
        redesign_note=redesign_note, criteria=criteria, decided_by=actor, policy=policy if policy.pk else None,
    )
    steps.move_stage(use_case, to=new_stage, outcome=outcome, actor=actor,
                     note=f"Gate: {decision.get_outcome_display()}.")
    if new_stage in lifecycle.FINAL_STAGES:
        withdraw_open_reviews(use_case=use_case, actor=actor, why=f"{use_case.get_stage_display()} by the gate")
    notifications.gate_decided(decision, actor=actor)
    return decision
