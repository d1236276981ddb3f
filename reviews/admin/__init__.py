"""Admin of the reviews app; each area registers its models in its own module."""

from .records import CommentAdmin, EvidenceAdmin, ReviewConditionAdmin, ReviewDecisionAdmin
from .review import ReviewAdmin

__all__ = [
    "CommentAdmin",
    "EvidenceAdmin",
    "ReviewAdmin",
    "ReviewConditionAdmin",
    "ReviewDecisionAdmin",
]
