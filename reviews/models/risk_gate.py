"""The risk register at the gates (governance model, section 7: "reviewed before a pilot is approved,
before broader rollout, and at executive reviews").

Which risk areas a tier must have assessed before Pilot is reference data. A live risk at or over its
escalation threshold blocks the later gates unless the gate's A accepts it for a while: a
``RiskAcceptance`` with rationale, compensating controls and an expiry, after which it blocks again.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from intake.models.governance import REVIEWABLE_TIERS

from .evidence import Risk, RiskArea

User = settings.AUTH_USER_MODEL


class TierRiskArea(models.Model):
    """A risk area a use case of ``tier`` must have assessed in its register before Pilot."""

    tier = models.CharField(max_length=20, choices=REVIEWABLE_TIERS)
    area = models.CharField(max_length=30, choices=RiskArea.choices)
    history = HistoricalRecords()

    class Meta:
        ordering = ["tier", "area"]
        constraints = [models.UniqueConstraint(fields=["tier", "area"], name="uniq_tier_risk_area")]

    def __str__(self) -> str:
        return f"{self.get_tier_display()}: {self.get_area_display()}"


class RiskAcceptance(models.Model):
    """The gate's A accepts a risk over its threshold until ``expires_on`` (the day it blocks again), at the
    score it had then: a risk that grows past ``accepted_score`` blocks again at once."""

    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, related_name="acceptances")
    rationale = models.TextField(max_length=5000)
    compensating_controls = models.TextField(max_length=5000)
    expires_on = models.DateField(help_text="From this day the risk blocks the gates again.")
    accepted_score = models.PositiveSmallIntegerField(
        default=25, validators=[MinValueValidator(1), MaxValueValidator(25)],
        help_text="The risk's score when accepted: should it rise above this, the acceptance no longer covers it.")
    accepted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    accepted_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-expires_on", "-id"]

    def __str__(self) -> str:
        return f"Risk {self.risk_id} accepted until {self.expires_on:%Y-%m-%d}"


class RiskNoticeKind(models.TextChoices):
    THRESHOLD_CROSSED = "threshold_crossed", "Threshold crossed"
    ACCEPTANCE_EXPIRING = "acceptance_expiring", "Acceptance expiring"
    ACCEPTANCE_EXPIRED = "acceptance_expired", "Acceptance expired"


class RiskNotice(models.Model):
    """One email about a risk; committed with the email. The unique constraint keeps a task run twice
    (a retry, two beats) from sending it twice: ``key`` is the risk's history row of the save that
    crossed the threshold, or the acceptance's id for its expiry notices."""

    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=30, choices=RiskNoticeKind.choices)
    key = models.PositiveBigIntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)
    recipients = models.JSONField(default=list, blank=True, help_text="Email addresses it was sent to.")

    class Meta:
        ordering = ["-sent_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["risk", "kind", "key"], name="risk_notice_once")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} notice for risk {self.risk_id}"
