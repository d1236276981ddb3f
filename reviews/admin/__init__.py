"""Admin of the reviews app; each area registers its models in its own module."""

from . import dependencies as dependencies  # registers its models
from . import incidents as incidents  # registers its models
from .artefacts import ArtefactTypeAdmin, EvaluationMetricAdmin, TierArtefactAdmin
from .evidence import GateDecisionAdmin, IncidentAdmin, IncidentAlertAdmin, RiskAdmin
from .guidance import RiskAreaGuidanceAdmin
from .pilots import PilotReminderLogAdmin
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
    "PilotReminderLogAdmin",
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
