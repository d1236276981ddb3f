"""Stage-gate decisions: immutable records of who moved a use case, and why."""

from django.conf import settings
from django.db import models

from intake.choices import Stage
from intake.models import UseCase


class GateOutcome(models.TextChoices):
    SCALE = "scale", "Scale (advance to the next stage)"
    PIVOT = "pivot", "Pivot (back to an earlier stage)"
    PAUSE = "pause", "Pause"
    KILL = "kill", "Kill (stop)"
    RETIRE = "retire", "Retire (take out of service)"
    # An existing system placed at its real stage by a governance admin (reviews.services.use_case_register).
    REGISTER = "register", "Register (existing system placed at its stage)"


class GateDecision(models.Model):
    use_case = models.ForeignKey(UseCase, on_delete=models.PROTECT, related_name="gate_decisions")
    outcome = models.CharField(max_length=10, choices=GateOutcome.choices)
    from_stage = models.CharField(max_length=20, choices=Stage.choices)
    to_stage = models.CharField(max_length=20, choices=Stage.choices)
    rationale = models.TextField(max_length=5000)
    redesign_note = models.TextField(max_length=5000, blank=True)
    criteria = models.JSONField(default=list, help_text="Each gate criterion as it stood at the decision.")
    policy = models.ForeignKey(
        "reviews.GovernancePolicy", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="The governance policy version the gate was judged under.")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["decided_at", "id"]

    def __str__(self) -> str:
        return f"{self.use_case_id}: {self.outcome} {self.from_stage} -> {self.to_stage}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Gate decisions are immutable; record a new decision instead.")
        super().save(*args, **kwargs)
