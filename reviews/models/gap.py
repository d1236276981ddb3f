"""A gap-closure plan: a Moderate readiness result admits controlled rollout only with one action, owner and
date for each area below 4 (governance model, section 4: "proceed only with targeted gap closure")."""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from intake.models import UseCase

from .evidence import ReadinessArea

GAP_BELOW = 4  # an area scoring below this is a gap the plan must close


class GapClosureAction(models.Model):
    use_case = models.ForeignKey(UseCase, on_delete=models.CASCADE, related_name="gap_actions")
    area = models.ForeignKey(ReadinessArea, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=500, help_text="What will close the gap.")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["area__order"]
        constraints = [models.UniqueConstraint(fields=["use_case", "area"], name="uniq_gap_action_area")]

    def __str__(self) -> str:
        return f"{self.area_id}: {self.action}"
