"""Admin of the reviews app; each area registers its models in its own module."""

from .artefacts import ArtefactTypeAdmin, EvaluationMetricAdmin, TierArtefactAdmin
from .evidence import GateDecisionAdmin, IncidentAdmin, IncidentAlertAdmin, RiskAdmin
from .guidance import RiskAreaGuidanceAdmin
from .policy import GovernancePolicyAdmin
from .records import CommentAdmin, EvidenceAdmin, ReviewConditionAdmin, ReviewDecisionAdmin
from .remediation import RemediationItemAdmin
from .reminders import ReminderLogAdmin
from .review import ReviewAdmin
from .risk_gate import RiskAcceptanceAdmin, RiskNoticeAdmin, TierRiskAreaAdmin

__all__ = [
    "ArtefactTypeAdmin",
    "CommentAdmin",
    "EvaluationMetricAdmin",
    "EvidenceAdmin",
    "GateDecisionAdmin",
    "GovernancePolicyAdmin",
    "IncidentAdmin",
    "IncidentAlertAdmin",
    "RemediationItemAdmin",
    "ReminderLogAdmin",
    "ReviewAdmin",
    "ReviewConditionAdmin",
    "ReviewDecisionAdmin",
    "RiskAcceptanceAdmin",
    "RiskAdmin",
    "RiskAreaGuidanceAdmin",
    "RiskNoticeAdmin",
    "TierArtefactAdmin",
    "TierRiskAreaAdmin",
]
