"""The log of measurement reminders: which missing KPI measurement was reminded, to whom, when."""

from django.db import models
from django.utils import timezone

from intake.models import KPI


class MeasurementReminderLog(models.Model):
    """One reminder of a missing measurement; committed in the same transaction as its email is sent.

    ``due_on`` is the day the measurement fell due (the last one plus the KPI's cadence, repeated
    while it stays missing): one reminder per KPI and due day, however often the sweep runs. The
    unique constraint, not a check in memory, keeps two workers from sending it twice.
    """

    kpi = models.ForeignKey(KPI, on_delete=models.CASCADE, related_name="measurement_reminders")
    due_on = models.DateField(help_text="The day the missing measurement was due.")
    for_date = models.DateField(help_text="The day the reminder was sent for.")
    sent_at = models.DateTimeField(default=timezone.now)
    recipients = models.JSONField(default=list, blank=True, help_text="Email addresses it was sent to.")

    class Meta:
        ordering = ["-for_date", "kpi"]
        constraints = [models.UniqueConstraint(fields=["kpi", "due_on"], name="measurement_reminder_once_per_due")]

    def __str__(self) -> str:
        return f"Measurement reminder for KPI {self.kpi_id}, due {self.due_on:%Y-%m-%d}"
