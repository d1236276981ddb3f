"""Admin of the reviews app; each area registers its models in its own module."""

from .evidence import GateDecisionAdmin, IncidentAdmin, IncidentAlertAdmin, RiskAdmin
from .policy import GovernancePolicyAdmin
from .records import CommentAdmin, EvidenceAdmin, ReviewConditionAdmin, ReviewDecisionAdmin
from .reminders import ReminderLogAdmin
from .review import ReviewAdmin

__all__ = [
    "CommentAdmin",
    "EvidenceAdmin",
    "GateDecisionAdmin",
    "GovernancePolicyAdmin",
    "IncidentAdmin",
    "IncidentAlertAdmin",
    "ReminderLogAdmin",
    "ReviewAdmin",
    "ReviewConditionAdmin",
    "ReviewDecisionAdmin",
    "RiskAdmin",
]
