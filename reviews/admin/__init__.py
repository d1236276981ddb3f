"""Admin of the reviews app; each area registers its models in its own module."""

from .evidence import GateDecisionAdmin, IncidentAdmin, RiskAdmin
from .records import CommentAdmin, EvidenceAdmin, ReviewConditionAdmin, ReviewDecisionAdmin
from .reminders import ReminderLogAdmin
from .review import ReviewAdmin

__all__ = [
    "CommentAdmin",
    "EvidenceAdmin",
    "GateDecisionAdmin",
    "IncidentAdmin",
    "ReminderLogAdmin",
    "ReviewAdmin",
    "ReviewConditionAdmin",
    "ReviewDecisionAdmin",
    "RiskAdmin",
]
