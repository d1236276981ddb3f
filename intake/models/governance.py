"""The governance matrix: what each risk tier requires (governance model, section 2)."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from intake.choices import ReviewFunction, RiskTier

REVIEWABLE_TIERS = [(t.value, t.label) for t in RiskTier if t != RiskTier.PROHIBITED]


class TierPolicy(models.Model):
    tier = models.CharField(max_length=20, unique=True, choices=REVIEWABLE_TIERS)
    rereview_days = models.PositiveSmallIntegerField(
        "re-review cadence (days)", validators=[MinValueValidator(1), MaxValueValidator(3650)]
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["rereview_days"]
        verbose_name_plural = "tier policies"

    def __str__(self) -> str:
        return f"{self.get_tier_display()} policy"


class TierRequirement(models.Model):
    """A review function that must approve use cases of a tier, and its SLA."""

    tier = models.CharField(max_length=20, choices=REVIEWABLE_TIERS)
    function = models.CharField(max_length=30, choices=ReviewFunction.choices)
    sla_days = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(365)])
    only_with_vendor = models.BooleanField(
        default=False, help_text="Required only when the use case depends on a vendor."
    )
    before_pilot = models.BooleanField(
        default=False, help_text="Must have approved before the use case may enter Pilot.")
    at_controlled_rollout = models.BooleanField(
        "re-reviews at Pilot -> Controlled rollout", default=False,
        help_text="Asking for this gate opens a new review by this function; the gate waits for it.")
    at_scaled = models.BooleanField(
        "re-reviews at Controlled rollout -> Scaled", default=False,
        help_text="Asking for this gate opens a new review by this function; the gate waits for it.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["tier", "function"]
        constraints = [models.UniqueConstraint(fields=["tier", "function"], name="uniq_tier_function")]

    def __str__(self) -> str:
        return f"{self.get_tier_display()}: {self.get_function_display()} in {self.sla_days} days"
