"""The playbook's guidance shown beside each risk entry (governance model, section 7), editable in admin."""

from django.db import models
from simple_history.models import HistoricalRecords

from .evidence import RiskArea


class RiskAreaGuidance(models.Model):
    area = models.CharField(max_length=30, choices=RiskArea.choices, unique=True)
    default_owner_role = models.CharField(max_length=120, help_text="Who usually owns a risk in this area.")
    good_control = models.TextField(max_length=2000, help_text="What good control looks like.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["area"]
        verbose_name_plural = "risk area guidance"

    def __str__(self) -> str:
        return self.get_area_display()
