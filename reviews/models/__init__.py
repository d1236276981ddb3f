from .discussion import Comment, Evidence
from .evidence import (
    ChecklistEntry,
    ChecklistItem,
    CostEntry,
    Incident,
    IncidentAlert,
    IncidentStatus,
    KPIActual,
    MitigationStatus,
    ReadinessArea,
    ReadinessBand,
    ReadinessScore,
    Risk,
    RiskArea,
)
from .gap import GAP_BELOW, GapClosureAction
from .gate import GateDecision, GateOutcome
from .policy import GovernancePolicy, KPIRule
from .reminder import ReminderKind, ReminderLog
from .review import Review, ReviewCondition, ReviewDecision

__all__ = [
    "GAP_BELOW",
    "ChecklistEntry",
    "ChecklistItem",
    "Comment",
    "CostEntry",
    "Evidence",
    "GapClosureAction",
    "GateDecision",
    "GateOutcome",
    "GovernancePolicy",
    "Incident",
    "IncidentAlert",
    "IncidentStatus",
    "KPIActual",
    "KPIRule",
    "MitigationStatus",
    "ReadinessArea",
    "ReadinessBand",
    "ReadinessScore",
    "ReminderKind",
    "ReminderLog",
    "Review",
    "ReviewCondition",
    "ReviewDecision",
    "Risk",
    "RiskArea",
]
