from .discussion import Comment, Evidence
from .review import Review, ReviewCondition, ReviewDecision

__all__ = ["Comment", "Evidence", "Review", "ReviewCondition", "ReviewDecision"]
