"""The admin-editable, versioned risk-tier matrix (governance model, section 2).

The live rows (dimensions, options, thresholds, floors) are what admins
edit; every edit publishes an immutable RiskMatrixVersion snapshot, and a
use case records the version that produced its tier.
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from intake.choices import EUAIActCategory, RiskTier, TierDrivingField


class RiskMatrixVersion(models.Model):
    number = models.PositiveIntegerField(unique=True)
    snapshot = models.JSONField(help_text="The whole matrix as it stood at this version.")
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"Matrix v{self.number}"


class RiskDimension(models.Model):
    key = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "key"]

    def __str__(self) -> str:
        return self.name


class RiskOption(models.Model):
    """Points an answer earns on a dimension; a dimension scores its highest match."""

    dimension = models.ForeignKey(RiskDimension, on_delete=models.CASCADE, related_name="options")
    answer_field = models.CharField(max_length=40, choices=TierDrivingField.choices)
    answer_value = models.CharField(max_length=60)
    points = models.PositiveSmallIntegerField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["dimension__order", "answer_field", "points"]
        constraints = [
            models.UniqueConstraint(
                fields=["dimension", "answer_field", "answer_value"], name="uniq_risk_option"
            )
        ]

    def __str__(self) -> str:
        return f"{self.answer_field}={self.answer_value or '(none)'}: {self.points}"


class TierThreshold(models.Model):
    """A total score of at least ``min_score`` earns ``tier`` (highest wins)."""

    tier = models.CharField(
        max_length=20,
        unique=True,
        choices=[(t.value, t.label) for t in RiskTier if t != RiskTier.PROHIBITED],
    )
    min_score = models.PositiveSmallIntegerField(validators=[MinValueValidator(0)])
    history = HistoricalRecords()

    class Meta:
        ordering = ["min_score"]

    def __str__(self) -> str:
        return f"{self.get_tier_display()} from {self.min_score}"


class HardFloor(models.Model):
    """When every condition holds, the tier is at least ``minimum_tier``."""

    name = models.CharField(max_length=200, unique=True)
    minimum_tier = models.CharField(max_length=20, choices=RiskTier.choices)
    active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class FloorCondition(models.Model):
    class Operator(models.TextChoices):
        EQUALS = "equals", "equals"
        NOT_BLANK = "not_blank", "is answered with anything but none"

    floor = models.ForeignKey(HardFloor, on_delete=models.CASCADE, related_name="conditions")
    answer_field = models.CharField(max_length=40, choices=TierDrivingField.choices)
    operator = models.CharField(max_length=20, choices=Operator.choices, default=Operator.EQUALS)
    value = models.CharField(max_length=60, blank=True)
    history = HistoricalRecords()

    def __str__(self) -> str:
        if self.operator == self.Operator.NOT_BLANK:
            return f"{self.answer_field} is set"
        return f"{self.answer_field} = {self.value}"


class EuAiActObligation(models.Model):
    """Dates change by amendment, so they are reference data, not code."""

    category = models.CharField(max_length=20, choices=EUAIActCategory.choices)
    title = models.CharField(max_length=200)
    legal_basis = models.CharField(max_length=120, blank=True)
    applies_from = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["category", "applies_from"]

    def __str__(self) -> str:
        return self.title
