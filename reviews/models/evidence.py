"""Evidence a stage gate is decided on (governance model, sections 4, 5, 7, 9).

Readiness areas, bands and checklist items are seeded reference data, editable
in admin; the scores and entries per use case are the evidence itself.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from intake.choices import ReviewFunction
from intake.models import KPI, UseCase

User = settings.AUTH_USER_MODEL


def validate_review_functions(value) -> None:
    """A list of review function names: anything else would break every checklist and gate that reads it."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValidationError('Give a list of review function names, e.g. ["privacy", "legal"].')
    if unknown := sorted(set(value) - set(ReviewFunction.values)):
        raise ValidationError(f"Not a review function: {', '.join(unknown)}. Choose from "
                              f"{', '.join(ReviewFunction.values)}.")


def _range(low: int, high: int) -> list:
    return [MinValueValidator(low), MaxValueValidator(high)]


class ReadinessArea(models.Model):
    key = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    key_question = models.CharField(max_length=300, blank=True, help_text="The question a scorer answers.")
    red_flags = models.TextField(max_length=2000, blank=True, help_text="Signs the area is not ready, one per line.")
    order = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "key"]

    def __str__(self) -> str:
        return self.name


class ReadinessBand(models.Model):
    """What a readiness band means and allows; where each starts is the governance policy's."""

    key = models.SlugField(max_length=20, unique=True)
    label = models.CharField(max_length=60)
    guidance = models.CharField(max_length=200)
    allows_controlled_rollout = models.BooleanField(default=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]  # strong, moderate, weak, low: as seeded

    def __str__(self) -> str:
        return self.label


class ReadinessScore(models.Model):
    use_case = models.ForeignKey(UseCase, on_delete=models.CASCADE, related_name="readiness_scores")
    area = models.ForeignKey(ReadinessArea, on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField(validators=_range(1, 5))
    note = models.TextField(max_length=2000, blank=True)
    explicit_review = models.TextField(
        max_length=2000, blank=True,
        help_text="A score of 1 needs an explicit recorded review before more investment is approved.",
    )
    scored_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    # Who wrote the explicit review, and whether they were independent of the use case when they did
    # (a review function's member or a governance admin, not one of its own people: Action.SIGN_OFF).
    explicit_review_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    explicit_review_independent = models.BooleanField(default=False)
    explicit_reviewed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["area__order"]
        constraints = [models.UniqueConstraint(fields=["use_case", "area"], name="uniq_readiness_area")]

    def __str__(self) -> str:
        return f"{self.area_id}: {self.score}"


class ChecklistItem(models.Model):
    key = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    review_functions = models.JSONField(
        default=list, blank=True, validators=[validate_review_functions],
        help_text="Review functions whose approval makes this item ready (it is then derived, not ticked), "
                  'as a list, e.g. ["privacy", "legal"].')
    order = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "key"]

    def __str__(self) -> str:
        return self.name


class ChecklistEntry(models.Model):
    use_case = models.ForeignKey(UseCase, on_delete=models.CASCADE, related_name="checklist_entries")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    ready = models.BooleanField(default=False)
    evidence = models.TextField(max_length=2000, blank=True)
    updated_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["item__order"]
        verbose_name_plural = "checklist entries"
        constraints = [models.UniqueConstraint(fields=["use_case", "item"], name="uniq_checklist_item")]

    def __str__(self) -> str:
        return f"{self.item_id}: {'ready' if self.ready else 'not ready'}"


class RiskArea(models.TextChoices):
    DATA_PRIVACY = "data_privacy", "Data privacy"
    SECURITY_EXPOSURE = "security_exposure", "Security exposure"
    OUTPUT_RELIABILITY = "output_reliability", "Output reliability"
    BIAS_FAIRNESS = "bias_fairness", "Bias and fairness"
    LEGAL_REGULATORY = "legal_regulatory", "Legal or regulatory exposure"
    VENDOR_DEPENDENCY = "vendor_dependency", "Vendor dependency"
    INTEGRATION_FAILURE = "integration_failure", "Integration failure"
    OWNERSHIP_AMBIGUITY = "ownership_ambiguity", "Ownership ambiguity"
    MONITORING_GAP = "monitoring_gap", "Monitoring gap"
    LOW_ADOPTION = "low_adoption", "Low adoption or misuse"
    COST_CREEP = "cost_creep", "Cost creep"
    REPUTATION = "reputation", "Reputation"


class MitigationStatus(models.TextChoices):
    OPEN = "open", "Open"
    MITIGATING = "mitigating", "Mitigation in progress"
    MITIGATED = "mitigated", "Mitigated"
    ACCEPTED = "accepted", "Accepted"
    CLOSED = "closed", "Closed"


class Risk(models.Model):
    use_case = models.ForeignKey(UseCase, on_delete=models.CASCADE, related_name="risks")
    area = models.CharField(max_length=30, choices=RiskArea.choices)
    description = models.TextField(max_length=2000)
    likelihood = models.PositiveSmallIntegerField(validators=_range(1, 5))
    impact = models.PositiveSmallIntegerField(validators=_range(1, 5))
    owner = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    controls = models.TextField(max_length=2000, blank=True)
    mitigation_status = models.CharField(max_length=20, choices=MitigationStatus.choices,
                                         default=MitigationStatus.OPEN)
    escalation_threshold = models.PositiveSmallIntegerField(
        default=15, validators=_range(1, 25), help_text="Escalate when likelihood x impact reaches this score."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-likelihood", "-impact", "id"]

    def __str__(self) -> str:
        return f"{self.get_area_display()} ({self.score})"

    @property
    def score(self) -> int:
        return self.likelihood * self.impact

    @property
    def needs_escalation(self) -> bool:
        live = self.mitigation_status in (MitigationStatus.OPEN, MitigationStatus.MITIGATING)
        return live and self.score >= self.escalation_threshold


class KPIActual(models.Model):
    kpi = models.ForeignKey(KPI, on_delete=models.CASCADE, related_name="actuals")
    measured_on = models.DateField()
    value = models.DecimalField(max_digits=14, decimal_places=2)
    note = models.CharField(max_length=500, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["kpi", "-measured_on"]
        verbose_name = "KPI actual"
        constraints = [models.UniqueConstraint(fields=["kpi", "measured_on"], name="uniq_kpi_actual_date")]

    def __str__(self) -> str:
        return f"{self.kpi_id} on {self.measured_on}: {self.value}"


class CostCategory(models.TextChoices):
    INFRASTRUCTURE = "infrastructure", "Infrastructure"
    DATA = "data", "Data"
    PLATFORMS = "platforms", "Platforms"
    GOVERNANCE = "governance", "Governance"
    CHANGE = "change", "Change"


class CostEntry(models.Model):
    """Budget and actual spend of one budget category for one period (a month, by its first day)."""

    use_case = models.ForeignKey(UseCase, on_delete=models.CASCADE, related_name="costs")
    period_start = models.DateField()
    category = models.CharField("budget category", max_length=20, choices=CostCategory.choices)
    budget = models.DecimalField(max_digits=14, decimal_places=2, validators=[MinValueValidator(0)])
    actual = models.DecimalField(max_digits=14, decimal_places=2, validators=[MinValueValidator(0)])
    note = models.CharField(max_length=500, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["use_case", "-period_start"]
        verbose_name_plural = "cost entries"
        constraints = [models.UniqueConstraint(fields=["use_case", "period_start", "category"],
                                               name="uniq_cost_period_category")]

    def __str__(self) -> str:
        return f"{self.use_case_id} {self.period_start:%Y-%m} {self.category}"


class IncidentStatus(models.TextChoices):
    OPEN = "open", "Open"
    INVESTIGATING = "investigating", "Investigating"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"


class Incident(models.Model):
    use_case = models.ForeignKey(UseCase, on_delete=models.CASCADE, related_name="incidents")
    severity = models.PositiveSmallIntegerField(
        validators=_range(1, 4), help_text="1 is the most severe: it notifies the sponsor and governance admins."
    )
    title = models.CharField(max_length=200)
    what_happened = models.TextField(max_length=5000)
    impact = models.TextField(max_length=2000, blank=True)
    response = models.TextField(max_length=2000, blank=True)
    corrective_action = models.TextField(max_length=2000, blank=True)
    rollback_done = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=IncidentStatus.choices, default=IncidentStatus.OPEN)
    occurred_at = models.DateTimeField()
    reported_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                              help_text="Who sees the incident through its post-incident review.")
    review_due = models.DateField(
        null=True, blank=True,
        help_text="When the post-incident review is due: unless set, 14 days after the day it occurred at "
                  "severity 1 or 2, 30 days at severity 3 or 4.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    history = HistoricalRecords()

    # Days from the day an incident occurred to its post-incident review, by severity (the review_due
    # default, set by reviews.services.incidents): the severe ones are reviewed while the facts are fresh.
    REVIEW_WITHIN_DAYS = {1: 14, 2: 14, 3: 30, 4: 30}

    class Meta:
        ordering = ["severity", "-occurred_at"]

    def __str__(self) -> str:
        return f"S{self.severity} {self.title}"


class IncidentAlert(models.Model):
    """A severity-1 alert sent about an incident; committed in the same transaction as its email is sent.

    ``history_id`` is the incident's history row of the save that made it severity 1: each such save
    alerts once. The unique constraint, not a check in memory, keeps a task run twice (a retry, a
    redelivered message) from alerting twice.
    """

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="alerts")
    history_id = models.PositiveBigIntegerField(help_text="The incident's history row that raised the alert.")
    sent_at = models.DateTimeField(auto_now_add=True)
    recipients = models.JSONField(default=list, blank=True, help_text="Email addresses it was sent to.")

    class Meta:
        ordering = ["-sent_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["incident", "history_id"], name="incident_alert_once")]

    def __str__(self) -> str:
        return f"Severity-1 alert for incident {self.incident_id}"
