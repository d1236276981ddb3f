"""Demo data for the review workflow: each new demo use case is moved to the
status and stage its spec asks for through the real services (submission,
review decisions, evidence, stage gates), so timelines, grants and history
are what production would have.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from intake import services as intake_services
from intake.choices import Stage, Status
from intake.models import PILOT_CRITERIA, UseCase
from reviews import selectors, services
from reviews.models import ChecklistItem, ReadinessArea

# Who decides each function's reviews in the demo.
REVIEWERS = {
    "security": "sec.reviewer", "privacy": "privacy.reviewer", "legal": "legal.reviewer",
    "compliance": "compliance.reviewer", "procurement": "procurement.reviewer",
    "architecture": "architecture.reviewer", "model_risk": "modelrisk.reviewer",
}
SPONSOR, PMO, ADMIN = "exec.sponsor", "pmo.lead", "gov.admin"
STAGE_PATH = [Stage.EXPLORATION, Stage.PILOT, Stage.CONTROLLED_ROLLOUT, Stage.SCALED]
# Where the demo use case has to have got to before its side state.
SIDE_STATE_FROM = {Stage.PAUSED: Stage.PILOT, Stage.RETIRED: Stage.SCALED, Stage.STOPPED: Stage.EXPLORATION}

DEFAULT_PILOT = dict.fromkeys(PILOT_CRITERIA, 2) | {"business_problem": 3, "ownership": 3, "decision_path": 3}
RISKS = [
    ("output_reliability", "Answers can be wrong or out of date and be acted on.", 3, 4,
     "Human review before anything reaches a customer; weekly QA sample.", "mitigating"),
    ("data_privacy", "Personal data could reach the model provider beyond what the DPA allows.", 2, 5,
     "Zero-retention endpoint; PII redaction before prompts.", "mitigated"),
    ("low_adoption", "Staff keep their old workflow and the value case is not realised.", 3, 3,
     "Champions in each team; adoption KPI reviewed monthly.", "open"),
    ("vendor_dependency", "Pricing or terms change at renewal with no easy exit.", 2, 3,
     "Exportable prompts and evaluation set; second provider assessed.", "open"),
]


def advance(use_case: UseCase, spec: dict[str, Any], users: dict[str, Any], submitter) -> UseCase:
    """Take a freshly created draft to the status and stage of its spec."""
    if spec["status"] == Status.DRAFT:
        return use_case
    use_case = services.use_case_submit(use_case=use_case, actor=submitter)
    if "override" in spec:
        tier, justification = spec["override"]
        use_case = services.use_case_override_tier(use_case=use_case, actor=users[ADMIN], tier=tier,
                                                   justification=justification)
        if use_case.status == Status.REJECTED:  # overridden to prohibited: nothing more to decide
            return use_case
    if "pilot" in spec:
        scores, note = spec["pilot"]
        intake_services.pilot_selection_record(use_case=use_case, actor=users[PMO], note=note,
                                               scores=dict(zip(PILOT_CRITERIA, scores, strict=True)))
    if spec["stage"] == Stage.STOPPED:
        # Gates are decided only while a use case is open: the sponsor kills it before its review stops it.
        use_case = _side_state(use_case, Stage.STOPPED, users)
    use_case = _decide_reviews(use_case, spec["status"], users, submitter)
    if use_case.status in (Status.IN_REVIEW, Status.APPROVED, Status.REJECTED):
        _add_risks(use_case, users)
    return _walk_stages(use_case, spec["stage"], users)


def _decide(use_case: UseCase, function: str, decision: str, users, rationale: str, conditions=()) -> None:
    review = selectors.reviews_in_cycle(use_case).get(function=function)
    services.review_decide(review=review, actor=users[REVIEWERS[function]], decision=decision,
                           rationale=rationale, conditions=conditions)


def _decide_reviews(use_case: UseCase, status: str, users, submitter) -> UseCase:
    reviews = list(selectors.reviews_in_cycle(use_case).order_by("function"))
    if status == Status.IN_REVIEW:
        first = reviews[0]
        services.review_assign(review=first, actor=users[REVIEWERS[first.function]],
                               assignee=users[REVIEWERS[first.function]])
    elif status == Status.CHANGES_REQUESTED:
        _decide(use_case, reviews[0].function, "request_changes", users,
                "Name the data retention period and who may see the routing decisions.")
    elif status == Status.REJECTED:
        _decide(use_case, reviews[0].function, "stop", users,
                "Paying suppliers without a person approving each run is outside our risk appetite.")
    elif status == Status.WITHDRAWN:
        intake_services.use_case_withdraw(use_case=use_case, actor=use_case.business_owner or submitter,
                                          reason="Superseded by the supplier-risk feature of our GRC platform.")
    elif status == Status.APPROVED:
        _approve_all(use_case, reviews, users)
    return UseCase.objects.get(pk=use_case.pk)


def _approve_all(use_case: UseCase, reviews, users) -> None:
    for index, review in enumerate(reviews):
        if index == 0 and len(reviews) > 1:
            owner = use_case.delivery_owner or use_case.business_owner
            condition = {"text": "Run a rollback drill before widening access.", "owner": owner,
                         "due_date": timezone.localdate() + datetime.timedelta(days=30)}
            _decide(use_case, review.function, "approve_with_conditions", users,
                    "Controls are adequate provided the rollback path is proven.", conditions=[condition])
        else:
            _decide(use_case, review.function, "approve", users, "Design, data flows and controls reviewed; fine.")


def _meet_conditions(use_case: UseCase, users) -> None:
    for condition in selectors.unmet_conditions(use_case).select_related("review"):
        services.condition_mark_met(condition=condition, actor=users[REVIEWERS[condition.review.function]])


def _add_risks(use_case: UseCase, users) -> None:
    owner = use_case.business_owner
    for area, description, likelihood, impact, controls, status in RISKS[: 2 + use_case.pk % 3]:
        services.risk_save(use_case=use_case, actor=owner, data={
            "area": area, "description": description, "likelihood": likelihood, "impact": impact,
            "owner": use_case.delivery_owner or owner, "controls": controls, "mitigation_status": status})


def _record_evidence(use_case: UseCase, *, strong: bool) -> None:
    owner = use_case.business_owner
    base = 5 if strong else 4
    scores = {area.key: base if area.order % 4 else base - 1 for area in ReadinessArea.objects.all()}
    services.readiness_record(use_case=use_case, actor=owner, scores=scores,
                              notes={"ownership": "Named owners for outcome, delivery and incidents."})
    items = {item.key: {"ready": True, "evidence": f"{item.name}: signed off at the pilot review."}
             for item in ChecklistItem.objects.all()}
    services.checklist_record(use_case=use_case, actor=owner, items=items)


def _record_value(use_case: UseCase) -> None:
    owner = use_case.business_owner
    today = timezone.localdate()
    for kpi in use_case.kpis.all():
        for months_ago, share in ((2, Decimal("0.5")), (1, Decimal("1"))):
            value = kpi.baseline + (kpi.target - kpi.baseline) * share
            services.kpi_actual_record(kpi=kpi, actor=owner, value=value.quantize(Decimal("0.01")),
                                       measured_on=today.replace(day=1) - datetime.timedelta(days=30 * months_ago))
        services.cost_record(use_case=use_case, actor=owner, period=today - datetime.timedelta(days=30),
                             budget="12000", actual="11350")


def _scale(use_case: UseCase, users, rationale: str) -> UseCase:
    services.gate_decide(use_case=use_case, actor=users[SPONSOR], outcome="scale", rationale=rationale)
    return UseCase.objects.get(pk=use_case.pk)


def _walk_stages(use_case: UseCase, stage: str, users) -> UseCase:
    target = SIDE_STATE_FROM.get(stage, stage)
    if target == Stage.EXPLORATION and stage == Stage.EXPLORATION:
        return use_case
    if STAGE_PATH.index(target) >= 1:
        if not hasattr(use_case, "pilot_selection"):
            intake_services.pilot_selection_record(use_case=use_case, actor=users[PMO], scores=DEFAULT_PILOT,
                                                   note="Scored at triage.")
        use_case = _scale(use_case, users, "Problem, owners and KPIs are clear; the pilot is worth running.")
    if STAGE_PATH.index(target) >= 2:
        _meet_conditions(use_case, users)
        _record_evidence(use_case, strong=target == Stage.SCALED)
        use_case = _scale(use_case, users, "Reviews approved, readiness and checklist pass: roll out to one region.")
    if STAGE_PATH.index(target) >= 3:
        _record_value(use_case)
        use_case = _scale(use_case, users, "KPIs met their targets in the controlled rollout; scale to all teams.")
        _add_incident(use_case)
    return _side_state(use_case, stage, users)


def _add_incident(use_case: UseCase) -> None:
    occurred = timezone.now() - datetime.timedelta(days=12)
    services.incident_report(use_case=use_case, actor=use_case.business_owner, data={
        "severity": 2, "title": "Answers quoted a withdrawn policy",
        "what_happened": "For two days the assistant quoted last year's returns policy in 31 conversations.",
        "impact": "31 customers given the wrong return window; all contacted.",
        "response": "Knowledge index rebuilt; stale documents removed.",
        "corrective_action": "Index rebuild now runs on every policy publish.",
        "rollback_done": False, "status": "resolved", "occurred_at": occurred})


def _side_state(use_case: UseCase, stage: str, users) -> UseCase:
    sponsor = users[SPONSOR]
    if stage == Stage.PAUSED:
        services.gate_decide(use_case=use_case, actor=sponsor, outcome="pause",
                             rationale="Paused while the deprecated model is replaced.")
    elif stage == Stage.STOPPED and use_case.stage != Stage.STOPPED:
        services.gate_decide(use_case=use_case, actor=sponsor, outcome="kill",
                             rationale="Stopped at exploration: outside our risk appetite; not to be revived.")
    elif stage == Stage.RETIRED:
        intake_services.use_case_set_stage(use_case=use_case, actor=users[ADMIN], stage=Stage.RETIRED,
                                           note="Replaced by the HR policy assistant chatbot.")
    return UseCase.objects.get(pk=use_case.pk)
