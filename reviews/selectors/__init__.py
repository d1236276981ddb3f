"""Reads of the reviews app: querysets and summaries with what their pages need."""

from .artefacts import ArtefactState, UpcomingGate, required_artefact_types, typed_evidence, upcoming_artefacts
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
from .guidance import risk_area_guidance
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
    "ArtefactState",
    "ChecklistSummary",
    "Criterion",
    "GapPlan",
    "GateEvaluation",
    "KPIProgress",
    "ReadinessSummary",
    "UpcomingGate",
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
    "required_artefact_types",
    "review_page",
    "review_queue_for",
    "reviewer_functions",
    "reviews_in_cycle",
    "risk_area_guidance",
    "risk_heatmap",
    "risks_for",
    "strong_candidate",
    "typed_evidence",
    "unmet_conditions",
    "upcoming_artefacts",
    "value_evidenced",
]
