"""The gate criteria of section 3, evaluated on the evidence, in a sponsor's words.

Each scale move has its own list; a criterion carries whether it is met, the
specifics when it is not, and the page where its evidence lives.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse

from intake import selectors as intake_selectors
from intake.choices import RiskTier, Stage
from intake.models import UseCase
from reviews.models import GovernancePolicy, KPIRule

from .artefacts import artefact_criteria
from .criteria import Criterion
from .evidence import KPIProgress, checklist_summary, gap_plan, kpi_progress, readiness_summary
from .gate_reviews import gate_review_criteria, gate_review_functions, latest_reviews
from .policy import policy_in_force
from .reviews import reviews_in_cycle, unmet_conditions
from .risk_gate import risk_area_criteria, risk_threshold_criteria

# The scale move from each stage (section 3); other stages have no scale gate.
NEXT_STAGE = {
    Stage.EXPLORATION: Stage.PILOT,
    Stage.PILOT: Stage.CONTROLLED_ROLLOUT,
    Stage.CONTROLLED_ROLLOUT: Stage.SCALED,
}
APPROVED = ("approved", "approved_with_conditions")
# Criteria a higher layer adds to every gate (the compliance layer's obligations), registered by its app at
# start-up so this module need not import it: each takes the use case and the stage the gate enters.
EXTRA_CRITERIA: list[Callable[[UseCase, str], list[Criterion]]] = []


def _extra(use_case: UseCase, to_stage: str) -> list[Criterion]:
    return [criterion for provider in EXTRA_CRITERIA for criterion in provider(use_case, to_stage)]


def _link(use_case: UseCase, page: str) -> str:
    return reverse(f"reviews:{page}", args=[use_case.reference])


def _exploration_to_pilot(use_case: UseCase) -> list[Criterion]:
    problem_fields = {
        "problem statement": use_case.problem_statement, "strategic outcome": use_case.strategic_outcome_id,
        "baseline": use_case.outcome_baseline, "target": use_case.outcome_target,
        "time horizon": use_case.outcome_time_horizon,
    }
    missing_problem = [name for name, value in problem_fields.items() if not value]
    owners = {"business owner": use_case.business_owner_id, "delivery owner": use_case.delivery_owner_id}
    missing_owners = [name for name, value in owners.items() if not value]
    kpis = list(use_case.kpis.all())
    has_pilot = hasattr(use_case, "pilot_selection")
    detail_url = reverse("intake:detail", args=[use_case.reference])
    return [
        Criterion("problem_outcome", "Problem and outcome are defined", not missing_problem,
                  f"Missing: {', '.join(missing_problem)}." if missing_problem else "", detail_url),
        Criterion("owners", "Business and delivery owners are named", not missing_owners,
                  f"Missing: {', '.join(missing_owners)}." if missing_owners else "", detail_url),
        Criterion("kpis", "KPIs have a baseline and a target", bool(kpis),
                  "" if kpis else "No KPI is defined yet.", detail_url),
        _tier_criterion(use_case, detail_url),
        Criterion("pilot_selection", "The pilot-selection score is recorded", has_pilot,
                  "" if has_pilot else "The PMO has not scored the pilot-selection criteria yet.",
                  reverse("intake:detail", args=[use_case.reference]) + "#pilot"),
        *gate_review_criteria(use_case, Stage.PILOT),
        *artefact_criteria(use_case, Stage.PILOT),
        *risk_area_criteria(use_case),
        *_extra(use_case, Stage.PILOT),
    ]


def _tier_criterion(use_case: UseCase, link: str) -> Criterion:
    # A prohibited tier is assigned but never passes: the sponsor must read why, not a bare "unmet".
    if not use_case.risk_tier:
        detail = "Submit the use case so it is tiered."
    elif use_case.risk_tier == RiskTier.PROHIBITED:
        detail = "Its tier is Prohibited: a prohibited use case does not go to pilot."
    else:
        detail = ""
    return Criterion("tier", "A risk tier is assigned", not detail, detail, link)


def _reviews_criterion(use_case: UseCase, to_stage: str) -> Criterion:
    # Each function's latest review across cycles: a gate re-review cycle holds only some functions, and
    # the others' earlier decisions stand. Those in the current cycle count whether required or not.
    latest = latest_reviews(use_case)
    current = set(reviews_in_cycle(use_case).values_list("function", flat=True))
    required = set(intake_selectors.required_review_functions(use_case))
    reviews = [r for f, r in sorted(latest.items()) if f in required or f in current]
    # A re-review opened for this gate is the gate_reviews criterion's to report, not this one's too.
    regated = set(gate_review_functions(use_case, to_stage))
    pending = [f"{r.get_function_display()} ({r.get_status_display().lower()})" for r in reviews
               if r.status not in APPROVED and not (r.function in regated and r.stage == use_case.stage)]
    missing = sorted(required - {r.function for r in reviews})
    problems = pending + [f"{name} (not opened)" for name in missing]
    return Criterion("reviews_approved", "Every required review is approved", bool(reviews) and not problems,
                     f"Not yet approved: {', '.join(problems)}." if problems else "", _link(use_case, "reviews"))


def _conditions_criterion(use_case: UseCase) -> Criterion:
    unmet = [c.text.rstrip(".") for c in unmet_conditions(use_case)]
    return Criterion("conditions_met", "Every condition of a conditional approval is met", not unmet,
                     f"Unmet: {'; '.join(unmet)}." if unmet else "", _link(use_case, "reviews"))


def _readiness_detail(summary, policy: GovernancePolicy) -> str:
    parts = []
    if not summary.complete:
        parts.append("not every area is scored")
    elif summary.band is not None:
        guidance = summary.band.guidance.rstrip(".")
        parts.append(f"total {summary.total}/90, {summary.band.label.lower()}: {guidance[:1].lower()}{guidance[1:]}")
    if summary.blocking_areas:
        parts.append(f"below {policy.critical_minimum}: {', '.join(summary.blocking_areas)}")
    text = "; ".join(parts)
    return f"{text[:1].upper()}{text[1:]}." if text else ""


def _signoff_criterion(use_case: UseCase, readiness) -> Criterion:
    missing = readiness.unreviewed_ones
    return Criterion("independent_signoff", "Every area scored 1 has an independent review", not missing,
                     f"Scored 1 without a review by a review function or a governance admin: {', '.join(missing)}."
                     if missing else "", _link(use_case, "readiness"))


def _gap_criteria(use_case: UseCase, readiness) -> list[Criterion]:
    """A Moderate result admits controlled rollout only with a gap-closure plan (no criterion otherwise)."""
    if readiness.band is None or readiness.band.key != "moderate":
        return []
    missing = gap_plan(use_case, readiness).missing
    return [Criterion("gap_closure_plan", "A Moderate result has a gap-closure plan", not missing,
                      f"No action, owner and date for: {', '.join(missing)}." if missing else "",
                      _link(use_case, "readiness") + "#gap-plan")]


def _pilot_to_controlled(use_case: UseCase, policy: GovernancePolicy) -> list[Criterion]:
    readiness = readiness_summary(use_case, policy)
    checklist = checklist_summary(use_case)
    vendors = intake_selectors.vendors_not_approved(use_case)
    return [
        _reviews_criterion(use_case, Stage.CONTROLLED_ROLLOUT),
        *gate_review_criteria(use_case, Stage.CONTROLLED_ROLLOUT),
        _conditions_criterion(use_case),
        *artefact_criteria(use_case, Stage.CONTROLLED_ROLLOUT),
        *risk_threshold_criteria(use_case),
        Criterion("readiness", "The readiness scorecard passes", readiness.passes,
                  "" if readiness.passes else _readiness_detail(readiness, policy), _link(use_case, "readiness")),
        *_gap_criteria(use_case, readiness),
        _signoff_criterion(use_case, readiness),
        # Its review items follow the reviews, judged (and reported) by the reviews criterion above.
        Criterion("checklist", "The rollout checklist is ready", not checklist.ticked_not_ready,
                  f"Not ready: {', '.join(checklist.ticked_not_ready)}." if checklist.ticked_not_ready else "",
                  _link(use_case, "checklist")),
        Criterion("vendors_approved", "Every vendor it depends on is approved", not vendors,
                  f"Not approved: {', '.join(vendors)}." if vendors else "", reverse("intake:detail",
                                                                                     args=[use_case.reference])),
        *_extra(use_case, Stage.CONTROLLED_ROLLOUT),
    ]


def value_evidenced(progress: list[KPIProgress], policy: GovernancePolicy) -> bool:
    """The policy's KPI rule at scale: every KPI at target, or at least its share of them."""
    if not progress:
        return False
    at_target = sum(1 for p in progress if p.met)
    if policy.kpi_rule == KPIRule.SHARE:
        return at_target * 100 >= policy.kpi_min_share * len(progress)
    return at_target == len(progress)


def _value_criterion(use_case: UseCase, policy: GovernancePolicy) -> Criterion:
    progress = kpi_progress(use_case)
    short = [p.kpi.name for p in progress if not p.met]
    label = ("Value is evidenced against every KPI target" if policy.kpi_rule == KPIRule.ALL else
             f"Value is evidenced: at least {policy.kpi_min_share}% of the KPIs at target")
    detail = (f"Below target or not measured: {', '.join(short)}." if short else
              ("" if progress else "No KPI is defined."))
    met = value_evidenced(progress, policy)
    return Criterion("value_evidenced", label, met, "" if met and progress else detail, _link(use_case, "kpis"))


def _controlled_to_scaled(use_case: UseCase, policy: GovernancePolicy) -> list[Criterion]:
    readiness = readiness_summary(use_case, policy)
    high_enough = readiness.complete and readiness.total >= policy.scale_min_total
    support = checklist_summary(use_case).is_ready("support_model")
    floor = policy.critical_minimum
    return [
        _value_criterion(use_case, policy),
        Criterion("readiness_total", f"The readiness total is at least {policy.scale_min_total}", high_enough,
                  "" if high_enough else (f"Total {readiness.total}/90." if readiness.complete
                                          else "Not every area is scored."), _link(use_case, "readiness")),
        Criterion("critical_areas", f"No critical readiness area scores below {floor}", not readiness.blocking_areas,
                  f"Below {floor}: {', '.join(readiness.blocking_areas)}." if readiness.blocking_areas else "",
                  _link(use_case, "readiness")),
        _signoff_criterion(use_case, readiness),
        *gate_review_criteria(use_case, Stage.SCALED),
        *artefact_criteria(use_case, Stage.SCALED),
        *risk_threshold_criteria(use_case),
        Criterion("support_model", "The support model (training, adoption) is ready", support,
                  "" if support else "The checklist item 'Support model' is not ready.", _link(use_case, "checklist")),
        _conditions_criterion(use_case),
        *_extra(use_case, Stage.SCALED),
    ]


def gate_criteria(use_case: UseCase, policy: GovernancePolicy | None = None) -> list[Criterion]:
    """What must be true to scale from the current stage (empty when there is no scale move), judged under
    ``policy`` (the one in force)."""
    policy = policy or policy_in_force()
    if use_case.stage == Stage.EXPLORATION:
        return _exploration_to_pilot(use_case)
    builders = {Stage.PILOT: _pilot_to_controlled, Stage.CONTROLLED_ROLLOUT: _controlled_to_scaled}
    builder = builders.get(use_case.stage)
    return builder(use_case, policy) if builder else []


@dataclass(frozen=True)
class GateEvaluation:
    """The next scale move of a use case, judged under the policy in force."""

    stage: str
    next_stage: str | None
    policy: GovernancePolicy
    criteria: list[Criterion]


def gate_evaluation(use_case: UseCase) -> GateEvaluation:
    policy = policy_in_force()
    return GateEvaluation(use_case.stage, NEXT_STAGE.get(use_case.stage), policy, gate_criteria(use_case, policy))
