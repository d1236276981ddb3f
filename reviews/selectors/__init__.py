"""Reads of the reviews app: querysets and summaries with what their pages need."""

from .criteria import Criterion
from .evidence import (
    ChecklistSummary,
    GapPlan,
    KPIProgress,
    ReadinessSummary,
    band_for,
    checklist_summary,
    gap_plan,
    incidents_for,
    kpi_progress,
    readiness_summary,
    risk_heatmap,
    risks_for,
)
from .gates import NEXT_STAGE, GateEvaluation, gate_criteria, gate_evaluation, value_evidenced
from .policy import critical_area_ids, policy_in_force, strong_candidate
from .reviews import (
    all_approved,
    current_cycle,
    has_undecided,
    review_page,
    review_queue_for,
    reviewer_functions,
    reviews_in_cycle,
    unmet_conditions,
)

__all__ = [
    "NEXT_STAGE",
    "ChecklistSummary",
    "Criterion",
    "GapPlan",
    "GateEvaluation",
    "KPIProgress",
    "ReadinessSummary",
    "all_approved",
    "band_for",
    "checklist_summary",
    "critical_area_ids",
    "current_cycle",
    "gap_plan",
    "gate_criteria",
    "gate_evaluation",
    "has_undecided",
    "incidents_for",
    "kpi_progress",
    "policy_in_force",
    "readiness_summary",
    "review_page",
    "review_queue_for",
    "reviewer_functions",
    "reviews_in_cycle",
    "risk_heatmap",
    "risks_for",
    "strong_candidate",
    "unmet_conditions",
    "value_evidenced",
]
