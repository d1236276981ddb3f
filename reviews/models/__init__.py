from .artefact import GATE_STAGES, ArtefactType, EvaluationMetric, TierArtefact
from .dependencies import DependencyFlag as DependencyFlag  # re-exported
from .dependencies import DependencyKind as DependencyKind  # re-exported
from .dependencies import DependencyNotice as DependencyNotice  # re-exported
from .dependencies import MonitoringReminderLog as MonitoringReminderLog  # re-exported
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
from .guidance import RiskAreaGuidance
from .incidents import ActionStatus as ActionStatus  # re-exported
from .incidents import IncidentAction as IncidentAction  # re-exported
from .incidents import IncidentActionReminderLog as IncidentActionReminderLog  # re-exported
from .incidents import IncidentReminderKind as IncidentReminderKind  # re-exported
from .incidents import PostIncidentReview as PostIncidentReview  # re-exported
from .pilots import PilotReminderKind, PilotReminderLog
from .policy import CADENCE_DAYS, Cadence, GovernancePolicy, KPIRule
from .remediation import REMEDIATION_MOVES, RemediationItem, RemediationStatus
from .reminder import ReminderKind, ReminderLog
from .review import Review, ReviewCondition, ReviewDecision
from .risk_gate import RiskAcceptance, RiskNotice, RiskNoticeKind, TierRiskArea
from .value import MeasurementReminderLog as MeasurementReminderLog  # re-exported

__all__ = [
    "CADENCE_DAYS",
    "GAP_BELOW",
    "GATE_STAGES",
    "REMEDIATION_MOVES",
    "ArtefactType",
    "Cadence",
    "ChecklistEntry",
    "ChecklistItem",
    "Comment",
    "CostEntry",
    "EvaluationMetric",
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
    "PilotReminderKind",
    "PilotReminderLog",
    "ReadinessArea",
    "ReadinessBand",
    "ReadinessScore",
    "RemediationItem",
    "RemediationStatus",
    "ReminderKind",
    "ReminderLog",
    "Review",
    "ReviewCondition",
    "ReviewDecision",
    "Risk",
    "RiskAcceptance",
    "RiskArea",
    "RiskAreaGuidance",
    "RiskNotice",
    "RiskNoticeKind",
    "TierArtefact",
    "TierRiskArea",
]
