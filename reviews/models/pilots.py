"""The log of pilot reminders: each pilot's end reminded once, and its overrun escalated once."""

from django.db import models
from django.utils import timezone

from intake.models import UseCase


class PilotReminderKind(models.TextChoices):
    ENDS_SOON = "ends_soon", "Ends soon"
    OVERRUN = "overrun", "Overrun escalation"


class PilotReminderLog(models.Model):
    """One pilot reminder sent; committed in the same transaction as its email is sent.

    The unique constraint, not a check in memory, keeps two workers (or two sweeps) from sending it twice.
    It holds the pilot end it was about, so a pilot whose end is moved is reminded of its new end.
    """

    Kind = PilotReminderKind

    use_case = models.ForeignKey(UseCase, on_delete=models.CASCADE, related_name="pilot_reminders")
    kind = models.CharField(max_length=20, choices=PilotReminderKind.choices)
    pilot_end = models.DateField(help_text="The pilot end the reminder was about.")
    for_date = models.DateField(help_text="The day the reminder was due for.")
    sent_at = models.DateTimeField(default=timezone.now)
    recipients = models.JSONField(default=list, blank=True, help_text="Email addresses it was sent to.")

    class Meta:
        ordering = ["-for_date", "use_case", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["use_case", "kind", "pilot_end"], name="pilot_reminder_once_per_end"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} reminder for use case {self.use_case_id} on {self.for_date:%Y-%m-%d}"
