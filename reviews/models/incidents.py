"""After an incident: its post-incident review, the actions the review names, and their reminders.

An incident's status moves only along ``INCIDENT_MOVES``; ``reviews.services.incidents.check_incident_move``
is the one check, asked by every service that saves an incident. Closing an incident at severity 1 or 2
needs its post-incident review with at least one action. An action moves only along ``ACTION_MOVES``:
open, then done, which is final.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from .evidence import Incident, IncidentStatus

User = settings.AUTH_USER_MODEL
MAX_TEXT = 5000
MAX_ACTION = 1000

_I = IncidentStatus
# (from, to): the only moves of an incident's status. A resolved or closed incident may be reopened for
# investigation; a new incident (from None) may be recorded in any status, closing included.
INCIDENT_MOVES = frozenset({
    (_I.OPEN, _I.INVESTIGATING), (_I.OPEN, _I.RESOLVED), (_I.OPEN, _I.CLOSED),
    (_I.INVESTIGATING, _I.OPEN), (_I.INVESTIGATING, _I.RESOLVED), (_I.INVESTIGATING, _I.CLOSED),
    (_I.RESOLVED, _I.INVESTIGATING), (_I.RESOLVED, _I.CLOSED),
    (_I.CLOSED, _I.INVESTIGATING),
    *((None, status) for status in _I.values),
})
# Severities whose incident closes only after its post-incident review with at least one action.
REVIEW_BEFORE_CLOSING = (1, 2)


class PostIncidentReview(models.Model):
    """What caused an incident, what it did, and what was learnt; one per incident, completed when recorded."""

    incident = models.OneToOneField(Incident, on_delete=models.CASCADE, related_name="post_incident_review")
    cause = models.TextField(max_length=MAX_TEXT)
    impact = models.TextField(max_length=MAX_TEXT)
    lessons = models.TextField(max_length=MAX_TEXT)
    completed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    completed_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-completed_at", "id"]

    def __str__(self) -> str:
        return f"Post-incident review of incident {self.incident_id}"


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"


# (from, to): the only moves of an action's status; done is final.
ACTION_MOVES = frozenset({(ActionStatus.OPEN, ActionStatus.DONE)})


class IncidentAction(models.Model):
    """Something the post-incident review says must change, with an owner and a date."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="actions")
    description = models.TextField(max_length=MAX_ACTION)
    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField()
    status = models.CharField(max_length=10, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", done_at__isnull=True, done_by__isnull=True)
                | Q(status="done", done_at__isnull=False, done_by__isnull=False),
                name="incident_action_done_has_who_and_when"),
        ]
        indexes = [models.Index(fields=["status", "due_date"], name="incident_action_status_due_idx")]

    def __str__(self) -> str:
        return f"{self.description[:80]} (due {self.due_date:%Y-%m-%d})"

    @property
    def is_open(self) -> bool:
        return self.status == ActionStatus.OPEN

    def overdue_on(self, day) -> bool:
        return self.is_open and self.due_date < day


class IncidentReminderKind(models.TextChoices):
    ACTION_DUE_SOON = "action_due_soon", "Action due soon"
    ACTION_OVERDUE = "action_overdue", "Action overdue"
    REVIEW_OVERDUE = "review_overdue", "Post-incident review overdue"


class IncidentActionReminderLog(models.Model):
    """One reminder sent about an incident action (or an overdue post-incident review, with no action),
    committed in the same transaction as its email is sent.

    The unique constraints, not a check in memory, keep two workers (or two sweeps) from sending the
    same reminder twice on one day.
    """

    Kind = IncidentReminderKind

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="reminders")
    action = models.ForeignKey(IncidentAction, null=True, blank=True, on_delete=models.CASCADE,
                               related_name="reminders")
    kind = models.CharField(max_length=20, choices=IncidentReminderKind.choices)
    for_date = models.DateField(help_text="The day the reminder was due for.")
    sent_at = models.DateTimeField(default=timezone.now)
    recipients = models.JSONField(default=list, blank=True, help_text="Email addresses it was sent to.")

    class Meta:
        ordering = ["-for_date", "incident", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["action", "kind", "for_date"], condition=Q(action__isnull=False),
                                    name="incident_action_reminder_once_a_day"),
            models.UniqueConstraint(fields=["incident", "kind", "for_date"], condition=Q(action__isnull=True),
                                    name="incident_review_reminder_once_a_day"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} reminder for incident {self.incident_id} on {self.for_date:%Y-%m-%d}"
