"""The organisation's governance policy: every number the gates judge by, as versioned data.

A version is never changed once written: publishing makes a new one (``reviews.services.policy``),
in force from its ``effective_from``; a gate decision records the version it was judged under.
The defaults are the playbook's numbers (governance model, sections 3, 4, 5 and 10).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from .evidence import ReadinessArea


def _range(low: int, high: int) -> list:
    return [MinValueValidator(low), MaxValueValidator(high)]


class KPIRule(models.TextChoices):
    ALL = "all", "Every KPI at target"
    SHARE = "share", "At least a share of the KPIs at target (the sponsor decides on the rest at the gate)"


class Cadence(models.TextChoices):
    WEEKLY = "weekly", "Weekly"
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"


CADENCE_DAYS = {Cadence.WEEKLY: 7, Cadence.MONTHLY: 31, Cadence.QUARTERLY: 92}


class GovernancePolicy(models.Model):
    version = models.PositiveIntegerField(unique=True, editable=False)
    effective_from = models.DateTimeField(db_index=True, help_text="In force from this moment on.")
    # Readiness totals run from 18 (every area 1) to 90 (every area 5); below the weak band is low.
    strong_min_total = models.PositiveSmallIntegerField(
        "strong band from", default=75, validators=_range(18, 90), help_text="Total at or above: strong.")
    moderate_min_total = models.PositiveSmallIntegerField(
        "moderate band from", default=55, validators=_range(18, 90), help_text="Total at or above: moderate.")
    weak_min_total = models.PositiveSmallIntegerField(
        "weak band from", default=35, validators=_range(18, 90), help_text="Total at or above: weak; below: low.")
    critical_areas = models.ManyToManyField(
        ReadinessArea, related_name="+", help_text="The areas that block a gate while they score below the minimum.")
    critical_minimum = models.PositiveSmallIntegerField(
        default=3, validators=_range(1, 5), help_text="A critical area scoring below this blocks scaling.")
    scale_min_total = models.PositiveSmallIntegerField(
        default=75, validators=_range(18, 90),
        help_text="Controlled rollout -> Scaled needs a readiness total at least this.")
    pilot_strong_above = models.PositiveSmallIntegerField(
        default=30, validators=_range(12, 35),
        help_text="A pilot-selection total (12 to 36) above this marks a strong candidate.")
    pilot_time_box_weeks = models.PositiveSmallIntegerField(
        default=12, validators=_range(1, 52), help_text="How long a pilot runs before its gate.")
    pilot_reminder_days = models.PositiveSmallIntegerField(
        default=14, validators=_range(1, 60),
        help_text="Remind the go/no-go owner and the delivery owner this many days before a pilot ends.")
    concurrent_pilots_min = models.PositiveSmallIntegerField(
        default=3, validators=_range(0, 50), help_text="Fewest pilots the portfolio should run at once.")
    concurrent_pilots_max = models.PositiveSmallIntegerField(
        default=7, validators=_range(1, 50),
        help_text="Most pilots the portfolio should run at once; the Exploration -> Pilot gate warns above it.")
    impact_within_days = models.PositiveSmallIntegerField(
        default=180, validators=_range(30, 730),
        help_text="Realised value should show within this many days of a pilot's start.")
    pilot_kpi_cadence = models.CharField(
        "KPI cadence during pilot", max_length=10, choices=Cadence.choices, default=Cadence.WEEKLY,
        help_text="How often a new KPI is measured while its use case is in pilot.")
    live_kpi_cadence = models.CharField(
        "KPI cadence after pilot", max_length=10, choices=Cadence.choices, default=Cadence.MONTHLY,
        help_text="How often a new KPI is measured once its use case is past pilot.")
    priorities_min = models.PositiveSmallIntegerField(
        default=3, validators=_range(1, 10), help_text="Fewest next-period priorities in a board pack.")
    priorities_max = models.PositiveSmallIntegerField(
        default=5, validators=_range(1, 10), help_text="Most next-period priorities in a board pack.")
    kpi_rule = models.CharField(
        "KPI rule at scale", max_length=10, choices=KPIRule.choices, default=KPIRule.ALL)
    kpi_min_share = models.PositiveSmallIntegerField(
        "KPI share at target (%)", default=100, validators=_range(1, 100),
        help_text="With the share rule: at least this percentage of the KPIs at target.")
    note = models.CharField(max_length=300, blank=True, help_text="What changed, and why.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-version"]
        verbose_name = "governance policy version"
        verbose_name_plural = "governance policy"
        permissions = [("publish_governancepolicy", "Can publish a new governance policy version")]

    def __str__(self) -> str:
        return f"Policy v{self.version}"

    def clean(self) -> None:
        """The rules between the numbers, each at the field a person would change (admin and service)."""
        below = (  # (field, must be below this field, message)
            ("moderate_min_total", "strong_min_total", "The moderate band must start below the strong band ({})."),
            ("weak_min_total", "moderate_min_total", "The weak band must start below the moderate band ({})."),
        )
        errors = {}
        for low, high, message in below:
            values = getattr(self, low), getattr(self, high)
            if None not in values and values[0] >= values[1]:
                errors[low] = message.format(values[1])
        if None not in (self.priorities_min, self.priorities_max) and self.priorities_max < self.priorities_min:
            errors["priorities_max"] = f"At least the fewest priorities ({self.priorities_min})."
        if None not in (self.concurrent_pilots_min, self.concurrent_pilots_max) and \
                self.concurrent_pilots_max < self.concurrent_pilots_min:
            errors["concurrent_pilots_max"] = f"At least the fewest concurrent pilots ({self.concurrent_pilots_min})."
        if self.kpi_rule == KPIRule.ALL and self.kpi_min_share != 100:
            errors["kpi_min_share"] = "With every KPI at target, the share is 100%."
        if errors:
            raise ValidationError(errors)

    def band_key(self, total: int) -> str:
        """The readiness band of a complete scorecard's total."""
        for key, minimum in (("strong", self.strong_min_total), ("moderate", self.moderate_min_total),
                             ("weak", self.weak_min_total)):
            if total >= minimum:
                return key
        return "low"

    def bands(self) -> list[dict]:
        return [{"band": "strong", "min_total": self.strong_min_total},
                {"band": "moderate", "min_total": self.moderate_min_total},
                {"band": "weak", "min_total": self.weak_min_total},
                {"band": "low", "min_total": 18}]
