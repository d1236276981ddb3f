"""Admin of the reviews app; each area registers its models in its own module."""

from .evidence import GateDecisionAdmin, IncidentAdmin, RiskAdmin
from .records import CommentAdmin, EvidenceAdmin, ReviewConditionAdmin, ReviewDecisionAdmin
from .review import ReviewAdmin

__all__ = [
    "CommentAdmin",
    "EvidenceAdmin",
    "GateDecisionAdmin",
    "IncidentAdmin",
    "ReviewAdmin",
    "ReviewConditionAdmin",
    "ReviewDecisionAdmin",
    "RiskAdmin",
]
