"""The log of review reminders: what was sent, to whom, for which day."""

from django.db import models
from django.utils import timezone

from .review import Review


class ReminderKind(models.TextChoices):
    DUE_SOON = "due_soon", "Due soon"
    OVERDUE = "overdue", "Overdue"
    ESCALATION = "escalation", "Escalation"


class ReminderLog(models.Model):
    """One reminder sent about a review; committed in the same transaction as its email is sent.

    The unique constraint, not a check in memory, keeps two workers (or two
    beats) from sending the same reminder twice on one day.
    """

    Kind = ReminderKind

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=20, choices=ReminderKind.choices)
    for_date = models.DateField(help_text="The day the reminder was due for.")
    sent_at = models.DateTimeField(default=timezone.now)
    recipients = models.JSONField(default=list, blank=True, help_text="Email addresses it was sent to.")

    class Meta:
        ordering = ["-for_date", "review", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["review", "kind", "for_date"], name="reminder_once_per_review_kind_day"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} reminder for review {self.review_id} on {self.for_date:%Y-%m-%d}"
