"""Reads of the reviews app: querysets and summaries with what their pages need."""

from .evidence import (
    ChecklistSummary,
    KPIProgress,
    ReadinessSummary,
    band_for,
    checklist_summary,
    incidents_for,
    kpi_progress,
    readiness_summary,
    risk_heatmap,
    risks_for,
)
from .gates import NEXT_STAGE, Criterion, gate_criteria
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
    "KPIProgress",
    "ReadinessSummary",
    "all_approved",
    "band_for",
    "checklist_summary",
    "current_cycle",
    "gate_criteria",
    "has_undecided",
    "incidents_for",
    "kpi_progress",
    "readiness_summary",
    "review_page",
    "review_queue_for",
    "reviewer_functions",
    "reviews_in_cycle",
    "risk_heatmap",
    "risks_for",
    "unmet_conditions",
]
