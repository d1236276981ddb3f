"""What a live use case depends on that changed: a model deprecated or banned, a vendor's approval gone.

A flag is raised once per use case and dependency (the partial unique constraint) and cleared, never
deleted, when the model or vendor is restored; the notice and monitoring logs make their emails go once.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from intake.models import UseCase

from .discussion import Evidence
from .review import Review


class DependencyKind(models.TextChoices):
    MODEL = "model", "Model"
    VENDOR = "vendor", "Vendor"


class DependencyFlag(models.Model):
    """A live use case depends on a model or vendor whose status no longer allows it."""

    Kind = DependencyKind

    use_case = models.ForeignKey(UseCase, on_delete=models.CASCADE, related_name="dependency_flags")
    kind = models.CharField(max_length=10, choices=DependencyKind.choices)
    object_id = models.PositiveBigIntegerField(help_text="The AI model's or vendor's id.")
    name = models.CharField(max_length=300, help_text="The model or vendor as named when it was flagged.")
    status = models.CharField(max_length=30, help_text="Its status: deprecated, banned, rejected, approval_expired...")
    note = models.TextField(max_length=2000, blank=True, help_text="Why the status changed, as given.")
    since = models.DateTimeField(default=timezone.now)
    cleared_at = models.DateTimeField(null=True, blank=True, help_text="Set when the model or vendor is restored.")
    reviews = models.ManyToManyField(Review, blank=True, related_name="dependency_flags",
                                     help_text="The re-reviews the flag opened or reopened.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-since", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["use_case", "kind", "object_id"], condition=Q(cleared_at__isnull=True),
                                    name="dependency_flag_once_while_open"),
        ]
        indexes = [models.Index(fields=["kind", "object_id"], name="dependency_flag_object_idx")]

    def __str__(self) -> str:
        return f"{self.use_case_id}: {self.get_kind_display()} {self.name} {self.status}"

    @property
    def change(self) -> str:
        """The change in words, as the timeline, the email and the reviews name it."""
        return f"{self.get_kind_display()} {self.name} is {self.status.replace('_', ' ')}"


class DependencyNotice(models.Model):
    """The one email about a flag to the delivery owner and the go/no-go A; committed with the sending."""

    flag = models.OneToOneField(DependencyFlag, on_delete=models.CASCADE, related_name="notice")
    sent_at = models.DateTimeField(default=timezone.now)
    recipients = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        return f"Notice of flag {self.flag_id}"


class MonitoringReminderLog(models.Model):
    """One reminder that the review of a monitoring plan is overdue, once per plan and review date."""

    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="monitoring_reminders")
    due_on = models.DateField(help_text="The review date it was overdue against.")
    for_date = models.DateField(help_text="The day the reminder was sent for.")
    sent_at = models.DateTimeField(default=timezone.now)
    recipients = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-for_date", "id"]
        constraints = [models.UniqueConstraint(fields=["evidence", "due_on"], name="monitoring_reminder_once")]

    def __str__(self) -> str:
        return f"Monitoring review of evidence {self.evidence_id} due {self.due_on:%Y-%m-%d}"
