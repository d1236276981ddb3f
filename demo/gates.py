"""Each new demo use case taken to the stage its spec asks for, gate by gate: the evidence each gate
checks (readiness, checklist, conditions met, KPI actuals, costs) is recorded first, then the
executive sponsor, the go / no-go Accountable, decides the gate through ``reviews.services.gate_decide``.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from intake import services as intake_services
from intake.choices import Stage
from intake.models import PILOT_CRITERIA, UseCase
from reviews import selectors, services
from reviews.models import GAP_BELOW, ChecklistItem, ReadinessArea
from reviews.selectors.gate_reviews import gate_reviews_to_request

from . import governance
from .people import PMO, REVIEWERS, SPONSOR, Users

STAGE_PATH = [Stage.EXPLORATION, Stage.PILOT, Stage.CONTROLLED_ROLLOUT, Stage.SCALED]
# The working stage a use case reaches before the gate that closes or pauses it.
CLOSED_FROM = {Stage.PAUSED: Stage.PILOT, Stage.RETIRED: Stage.SCALED, Stage.STOPPED: Stage.EXPLORATION}
# (outcome, rationale) of the gate that takes a use case to each non-working stage.
CLOSING_GATES = {
    Stage.PAUSED: ("pause", "Paused while the deprecated model is replaced."),
    Stage.STOPPED: ("kill", "Stopped at exploration: outside our risk appetite; not to be revived."),
    Stage.RETIRED: ("retire", "Replaced by the HR policy assistant chatbot."),
}
# The pilot-selection score of a use case the demo gives none: enough for the pilot gate.
DEFAULT_PILOT = dict.fromkeys(PILOT_CRITERIA, 2) | {"business_problem": 3, "ownership": 3, "decision_path": 3}


def walk(use_case: UseCase, stage: str, users: Users) -> UseCase:
    """Scale through the working stages up to ``stage`` (or the one before it closes), then close it."""
    target = CLOSED_FROM.get(stage, stage)
    reached = STAGE_PATH.index(target)
    if reached >= 1:
        if not hasattr(use_case, "pilot_selection"):
            intake_services.pilot_selection_record(use_case=use_case, actor=users[PMO], scores=DEFAULT_PILOT,
                                                   note="Scored at triage.")
        governance.prepare_gate(use_case, Stage.PILOT, users)
        use_case = _scale(use_case, users, "Problem, owners and KPIs are clear; the pilot is worth running.")
    if reached >= 2:
        _meet_conditions(use_case, users)
        _record_evidence(use_case, strong=target == Stage.SCALED)
        _pass_gate_reviews(use_case, users)
        governance.prepare_gate(use_case, Stage.CONTROLLED_ROLLOUT, users)
        use_case = _scale(use_case, users, "Reviews approved, readiness and checklist pass: roll out to one region.")
    if reached >= 3:
        _record_value(use_case)
        _pass_gate_reviews(use_case, users)
        governance.prepare_gate(use_case, Stage.SCALED, users)
        use_case = _scale(use_case, users, "KPIs met their targets in the controlled rollout; scale to all teams.")
        _add_incident(use_case)
    return close(use_case, stage, users)


def close(use_case: UseCase, stage: str, users: Users) -> UseCase:
    """Pause, stop or retire it when ``stage`` says so (once: a stopped use case stays as it is)."""
    if stage not in CLOSING_GATES or use_case.stage == stage:
        return use_case
    outcome, rationale = CLOSING_GATES[stage]
    services.gate_decide(use_case=use_case, actor=users[SPONSOR], outcome=outcome, rationale=rationale)
    return UseCase.objects.get(pk=use_case.pk)


def _scale(use_case: UseCase, users: Users, rationale: str) -> UseCase:
    services.gate_decide(use_case=use_case, actor=users[SPONSOR], outcome="scale", rationale=rationale)
    return UseCase.objects.get(pk=use_case.pk)


def _pass_gate_reviews(use_case: UseCase, users: Users) -> None:
    """The re-reviews its tier asks for at this gate: requested by the business owner, approved by each function."""
    if not gate_reviews_to_request(use_case):
        return
    for review in services.gate_reviews_request(use_case=use_case, actor=use_case.business_owner):
        services.review_decide(review=review, actor=users[REVIEWERS[review.function]], decision="approve",
                               rationale="Re-reviewed at the gate: the controls hold at this scale.")


def _meet_conditions(use_case: UseCase, users: Users) -> None:
    """A reviewer of the function that set each condition confirms it (owners do not certify their own)."""
    for condition in selectors.unmet_conditions(use_case).select_related("review"):
        services.condition_mark_met(condition=condition, actor=users[REVIEWERS[condition.review.function]])


def _record_evidence(use_case: UseCase, *, strong: bool) -> None:
    """Readiness scores and the rollout checklist, by the business owner."""
    owner = use_case.business_owner
    base = 5 if strong else 4
    scores = {area.key: base if area.order % 4 else base - 1 for area in ReadinessArea.objects.all()}
    services.readiness_record(use_case=use_case, actor=owner, scores=scores,
                              notes={"ownership": "Named owners for outcome, delivery and incidents."})
    if not strong:  # a Moderate result: each area below 4 gets its gap-closure action
        gaps = [area for area in ReadinessArea.objects.all() if scores[area.key] < GAP_BELOW]
        due = timezone.localdate() + datetime.timedelta(days=60)
        services.gap_plan_record(use_case=use_case, actor=owner, items={area.key: {
            "action": f"Close the {area.name.lower()} gap before the regional rollout.",
            "owner": use_case.delivery_owner.username, "due_on": due} for area in gaps})
    items = {item.key: {"ready": True, "evidence": f"{item.name}: signed off at the pilot review."}
             for item in ChecklistItem.objects.all() if not item.review_functions}  # the rest follow the reviews
    services.checklist_record(use_case=use_case, actor=owner, items=items)


def _record_value(use_case: UseCase) -> None:
    """Two months of KPI actuals reaching the target, and last month's cost, by the business owner."""
    owner = use_case.business_owner
    today = timezone.localdate()
    for kpi in use_case.kpis.all():
        for months_ago, share in ((2, Decimal("0.5")), (1, Decimal("1"))):
            value = kpi.baseline + (kpi.target - kpi.baseline) * share
            services.kpi_actual_record(kpi=kpi, actor=owner, value=value.quantize(Decimal("0.01")),
                                       measured_on=today.replace(day=1) - datetime.timedelta(days=30 * months_ago))
    services.cost_record(use_case=use_case, actor=owner, period=today - datetime.timedelta(days=30),
                         budget="12000", actual="11350")


def _add_incident(use_case: UseCase) -> None:
    occurred = timezone.now() - datetime.timedelta(days=12)
    services.incident_report(use_case=use_case, actor=use_case.business_owner, data={
        "severity": 2, "title": "Answers quoted a withdrawn policy",
        "what_happened": "For two days the assistant quoted last year's returns policy in 31 conversations.",
        "impact": "31 customers given the wrong return window; all contacted.",
        "response": "Knowledge index rebuilt; stale documents removed.",
        "corrective_action": "Index rebuild now runs on every policy publish.",
        "rollback_done": False, "status": "resolved", "occurred_at": occurred})
