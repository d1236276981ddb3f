"""The remediation list of a registration: each gate criterion an existing system was registered without.

A governance admin places an existing system at its real stage (``reviews.services.use_case_register``)
and attests which gate evidence exists; every criterion listed as missing becomes one item here, with
an owner and a date, until someone marks it done (``remediation_complete``). An item moves only along
``REMEDIATION_MOVES``: open, then done, which is final.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from intake.choices import Stage
from intake.models import UseCase

from .gate import GateDecision

MAX_NOTE = 2000


class RemediationStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"


# (from, to): the only moves of an item's status; done is final.
REMEDIATION_MOVES = frozenset({(RemediationStatus.OPEN, RemediationStatus.DONE)})


class RemediationItem(models.Model):
    use_case = models.ForeignKey(UseCase, on_delete=models.PROTECT, related_name="remediation_items")
    decision = models.ForeignKey(GateDecision, on_delete=models.PROTECT, related_name="remediation_items",
                                 help_text="The registration that listed the criterion as missing.")
    criterion_key = models.CharField(max_length=100, help_text="The gate criterion, as '<gate stage>:<key>'.")
    criterion_label = models.CharField(max_length=300)
    gate_stage = models.CharField(max_length=20, choices=Stage.choices,
                                  help_text="The stage whose gate asks for the criterion.")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField()
    status = models.CharField(max_length=10, choices=RemediationStatus.choices, default=RemediationStatus.OPEN)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    note = models.TextField(max_length=MAX_NOTE, blank=True, help_text="What closed the gap.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["decision", "criterion_key"], name="uniq_remediation_criterion"),
            models.CheckConstraint(
                condition=Q(status="open", done_at__isnull=True, done_by__isnull=True)
                | Q(status="done", done_at__isnull=False, done_by__isnull=False),
                name="remediation_done_has_who_and_when"),
        ]
        indexes = [models.Index(fields=["status", "due_on"], name="remediation_status_due_idx")]

    def __str__(self) -> str:
        return f"{self.criterion_label} (due {self.due_on:%Y-%m-%d})"

    @property
    def is_open(self) -> bool:
        return self.status == RemediationStatus.OPEN

    def overdue_on(self, day) -> bool:
        return self.is_open and self.due_on < day

    @property
    def overdue(self) -> bool:
        """Open past its date, as of today (the local date)."""
        return self.overdue_on(timezone.localdate())
