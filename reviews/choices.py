"""Enumerations of the review workflow. Values are a contract (API, reports)."""

from django.db import models


class ReviewStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    APPROVED = "approved", "Approved"
    APPROVED_WITH_CONDITIONS = "approved_with_conditions", "Approved with conditions"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    ESCALATED = "escalated", "Escalated"
    STOPPED = "stopped", "Stopped"


class Decision(models.TextChoices):
    APPROVE = "approve", "Approve"
    APPROVE_WITH_CONDITIONS = "approve_with_conditions", "Approve with conditions"
    REQUEST_CHANGES = "request_changes", "Request changes"
    ESCALATE = "escalate", "Escalate"
    STOP = "stop", "Stop"


# Reviews nobody has decided yet; every other status is a decision.
UNDECIDED_STATUSES = (ReviewStatus.OPEN, ReviewStatus.IN_PROGRESS)
APPROVED_STATUSES = (ReviewStatus.APPROVED, ReviewStatus.APPROVED_WITH_CONDITIONS)
# An escalated review waits for whoever it went to (a senior reviewer of the function or a
# governance admin): it is decided once more, so it never strands its use case in review.
AWAITING_DECISION = (*UNDECIDED_STATUSES, ReviewStatus.ESCALATED)

DECISION_STATUS = {
    Decision.APPROVE: ReviewStatus.APPROVED,
    Decision.APPROVE_WITH_CONDITIONS: ReviewStatus.APPROVED_WITH_CONDITIONS,
    Decision.REQUEST_CHANGES: ReviewStatus.CHANGES_REQUESTED,
    Decision.ESCALATE: ReviewStatus.ESCALATED,
    Decision.STOP: ReviewStatus.STOPPED,
}

# The decision log also records reopenings, which are not decisions.
REOPENED = "reopened"
LOG_ENTRY_CHOICES = [*Decision.choices, (REOPENED, "Reopened")]
