"""Review and gate-evidence pages outside the admin; mounted at /reviews/ by config.urls."""

from .artefacts import evidence_reject
from .discussion import comment, evidence_upload
from .downloads import evidence_download
from .evidence import checklist, incident_edit, incidents, kpis, risk_edit, risks
from .gate import gate, gate_reviews_request
from .readiness import gap_plan, readiness, readiness_signoff
from .review_list import use_case_reviews

__all__ = [
    "checklist",
    "comment",
    "evidence_download",
    "evidence_reject",
    "evidence_upload",
    "gap_plan",
    "gate",
    "gate_reviews_request",
    "incident_edit",
    "incidents",
    "kpis",
    "readiness",
    "readiness_signoff",
    "risk_edit",
    "risks",
    "use_case_reviews",
]
