"""Cross-functional reviews of a use case, their conditions and decision log."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from intake.choices import ReviewFunction, Stage
from intake.models import UseCase
from reviews.choices import AWAITING_DECISION, LOG_ENTRY_CHOICES, UNDECIDED_STATUSES, Decision, ReviewStatus

User = settings.AUTH_USER_MODEL


class Review(models.Model):
    """One function's review of a use case in one review cycle."""

    Status = ReviewStatus
    Decision = Decision

    use_case = models.ForeignKey(UseCase, on_delete=models.CASCADE, related_name="reviews")
    function = models.CharField(max_length=30, choices=ReviewFunction.choices)
    stage = models.CharField(
        max_length=20, choices=Stage.choices, help_text="The stage the use case was in when the review opened."
    )
    status = models.CharField(max_length=30, choices=ReviewStatus.choices, default=ReviewStatus.OPEN)
    assignee = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_reviews"
    )
    due_date = models.DateField()
    decision = models.CharField(max_length=30, blank=True, choices=Decision.choices)
    rationale = models.TextField(max_length=5000, blank=True)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    approved_snapshot = models.JSONField(
        default=dict, blank=True, help_text="The answers and tier the approval was given for."
    )
    cycle = models.PositiveSmallIntegerField(default=1, help_text="1 for the first review; re-reviews count up.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["use_case", "function", "cycle"], name="review_one_per_function_cycle"),
            models.CheckConstraint(condition=Q(cycle__gte=1), name="review_cycle_positive"),
        ]
        indexes = [
            models.Index(fields=["status", "due_date"], name="review_status_due_idx"),
            models.Index(fields=["function", "status"], name="review_function_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.use_case.reference} {self.get_function_display()} review"

    @property
    def is_decided(self) -> bool:
        return self.status not in UNDECIDED_STATUSES

    @property
    def awaits_decision(self) -> bool:
        """Open, in progress, or escalated: someone still has to decide it."""
        return self.status in AWAITING_DECISION


class ReviewCondition(models.Model):
    """A condition of an approval; while unmet it blocks the next stage gate."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="conditions")
    text = models.TextField(max_length=2000)
    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="review_conditions")
    due_date = models.DateField()
    met = models.BooleanField(default=False)
    met_at = models.DateTimeField(null=True, blank=True)
    met_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_date", "id"]
        indexes = [models.Index(fields=["review", "met"], name="condition_review_met_idx")]

    def __str__(self) -> str:
        return self.text[:80]


class ReviewDecision(models.Model):
    """Append-only log of every decision (and reopening) of a review."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="decisions")
    cycle = models.PositiveSmallIntegerField()
    decision = models.CharField(max_length=30, choices=LOG_ENTRY_CHOICES)
    rationale = models.TextField()
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()
    snapshot = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["decided_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} at {self.decided_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        # The log is evidence of who decided what; an entry is never rewritten.
        if not self._state.adding:
            raise ValueError("Decision log entries are immutable.")
        super().save(*args, **kwargs)
