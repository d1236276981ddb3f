"""Typed artefacts the tier policy requires at each gate (governance model, section 2: "artefacts required").

Artefact types and which tier needs which at which gate are reference data, editable in admin. An
uploaded ``Evidence`` file names its type; an evaluation report also carries its metrics, each with the
acceptance threshold and the measured result, so a gate can say "accuracy 0.91 against 0.95".
"""

from django.db import models
from simple_history.models import HistoricalRecords

from intake.choices import Stage
from intake.models.governance import REVIEWABLE_TIERS

from .discussion import Evidence

# The stage a scale gate moves to: the artefacts of "pilot" are needed to enter the pilot.
GATE_STAGES = [(s.value, s.label) for s in (Stage.PILOT, Stage.CONTROLLED_ROLLOUT, Stage.SCALED)]


class ArtefactType(models.Model):
    key = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True, help_text="What a good one contains.")
    has_metrics = models.BooleanField(
        default=False, help_text="Carries metrics with acceptance thresholds and results (an evaluation report).")
    order = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "key"]

    def __str__(self) -> str:
        return self.name


class TierArtefact(models.Model):
    """An artefact a use case of ``tier`` needs before it enters ``gate_stage``."""

    tier = models.CharField(max_length=20, choices=REVIEWABLE_TIERS)
    gate_stage = models.CharField("needed to enter", max_length=20, choices=GATE_STAGES)
    artefact_type = models.ForeignKey(ArtefactType, on_delete=models.PROTECT, related_name="tier_requirements")
    only_eu_high_risk = models.BooleanField(
        "only for EU AI Act high-risk", default=False,
        help_text="Required only when the use case's EU AI Act category is high-risk (Annex III).")
    history = HistoricalRecords()

    class Meta:
        ordering = ["tier", "gate_stage", "artefact_type__order"]
        constraints = [models.UniqueConstraint(fields=["tier", "gate_stage", "artefact_type"],
                                               name="uniq_tier_gate_artefact")]

    def __str__(self) -> str:
        return f"{self.get_tier_display()} before {self.get_gate_stage_display()}: {self.artefact_type}"


class EvaluationMetric(models.Model):
    """One metric of an evaluation report: met when the result is on the right side of its threshold."""

    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="metrics")
    name = models.CharField(max_length=120)
    threshold = models.DecimalField(max_digits=14, decimal_places=4)
    result = models.DecimalField(max_digits=14, decimal_places=4)
    higher_is_better = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["evidence", "name"]
        constraints = [models.UniqueConstraint(fields=["evidence", "name"], name="uniq_evaluation_metric")]

    def __str__(self) -> str:
        return f"{self.name}: {self.result} against {self.threshold}"

    @property
    def met(self) -> bool:
        return self.result >= self.threshold if self.higher_is_better else self.result <= self.threshold

