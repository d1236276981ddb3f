"""The governance policy (every number the gates judge by) and a use case's gate as judged under it.

Reads render the version in force (``reviews.selectors.policy_in_force``); a change is a new version
(``reviews.services.policy_publish``). The numbers' ranges are the model's validators, so the schema
and the 400s say what the service would; the rules between numbers (band order, fewest <= most
priorities) are the service's alone.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from rest_framework import serializers

from intake.choices import Stage
from reviews.models import Cadence, GovernancePolicy, KPIRule
from reviews.services import POLICY_FIELDS

from .common import InputSerializer, ReadSerializer
from .evidence import READINESS_BANDS

LOW_BAND_FROM = 18  # every area scored 1: the low band always starts there
# readiness_bands entries and the cut-off fields they stand for ("low" has none: it is what is left).
BAND_FIELDS = {"strong": "strong_min_total", "moderate": "moderate_min_total", "weak": "weak_min_total"}


class PolicyBandSerializer(serializers.Serializer):
    """Where a readiness band starts: a complete scorecard's total at or above min_total (and below the
    band above it)."""

    band = serializers.ChoiceField(choices=READINESS_BANDS)
    min_total = serializers.IntegerField(help_text="Out of 90; the low band always starts at 18.")


class PolicySerializer(ReadSerializer):
    """A version of the governance policy: the numbers every stage gate is judged by."""

    readiness_bands = PolicyBandSerializer(source="bands", many=True, read_only=True,
                                           help_text="Strong, moderate, weak and low, from the top.")
    critical_areas = serializers.SlugRelatedField(
        slug_field="key", many=True, read_only=True,
        help_text="Readiness area keys (in the scorecard's order) that block a gate while they score below "
                  "critical_minimum.")

    class Meta:
        model = GovernancePolicy
        fields = ("version", "effective_from", "readiness_bands", "critical_areas", "critical_minimum",
                  "scale_min_total", "pilot_strong_above", "pilot_time_box_weeks", "priorities_min",
                  "priorities_max", "kpi_rule", "kpi_min_share", "pilot_reminder_days", "concurrent_pilots_min",
                  "concurrent_pilots_max", "impact_within_days", "pilot_kpi_cadence", "live_kpi_cadence", "note")


def _limits(name: str) -> dict:
    field = GovernancePolicy._meta.get_field(name)
    limits = {}
    for validator in field.validators:
        if isinstance(validator, MinValueValidator):
            limits["min_value"] = validator.limit_value
        elif isinstance(validator, MaxValueValidator):
            limits["max_value"] = validator.limit_value
    return limits


def _number(name: str) -> serializers.IntegerField:
    field = GovernancePolicy._meta.get_field(name)
    return serializers.IntegerField(required=False, help_text=str(field.help_text), **_limits(name))


class PolicyBandInputSerializer(InputSerializer):
    """Where a readiness band starts."""

    band = serializers.ChoiceField(choices=READINESS_BANDS)
    min_total = serializers.IntegerField(**_limits("strong_min_total"),
                                         help_text="Out of 90; for low, only 18 (or leave low out).")


class PolicyChangeSerializer(InputSerializer):
    """What changes in the new version: any number, the critical areas, the bands; the rest is the version in
    force's."""

    strong_min_total = _number("strong_min_total")
    moderate_min_total = _number("moderate_min_total")
    weak_min_total = _number("weak_min_total")
    critical_minimum = _number("critical_minimum")
    scale_min_total = _number("scale_min_total")
    pilot_strong_above = _number("pilot_strong_above")
    pilot_time_box_weeks = _number("pilot_time_box_weeks")
    priorities_min = _number("priorities_min")
    priorities_max = _number("priorities_max")
    kpi_rule = serializers.ChoiceField(choices=KPIRule.choices, required=False,
                                       help_text="all: every KPI at target; share: at least kpi_min_share% of them.")
    kpi_min_share = _number("kpi_min_share")
    pilot_reminder_days = _number("pilot_reminder_days")
    concurrent_pilots_min = _number("concurrent_pilots_min")
    concurrent_pilots_max = _number("concurrent_pilots_max")
    impact_within_days = _number("impact_within_days")
    pilot_kpi_cadence = serializers.ChoiceField(choices=Cadence.choices, required=False,
                                                help_text="How often a new KPI is measured during pilot.")
    live_kpi_cadence = serializers.ChoiceField(choices=Cadence.choices, required=False,
                                               help_text="How often a new KPI is measured after pilot.")
    readiness_bands = PolicyBandInputSerializer(
        many=True, required=False,
        help_text="Any of strong, moderate and weak with where it starts (each at most once); low may be given "
                  "only as 18. The same as strong_min_total, moderate_min_total and weak_min_total.")
    critical_areas = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, allow_empty=True,
        help_text="Readiness area keys: the whole new set of critical areas (empty for none).")
    note = serializers.CharField(max_length=300, required=False, allow_blank=True,
                                 help_text="What changed, and why (up to 300 characters).")

    def validate_readiness_bands(self, bands: list[dict]) -> dict[str, int]:
        """The bands given, as the cut-off fields they stand for."""
        seen, cut_offs = set(), {}
        for entry in bands:
            band, minimum = entry["band"], entry["min_total"]
            if band in seen:
                raise serializers.ValidationError(f"The {band} band is given twice.")
            seen.add(band)
            if band == "low":
                if minimum != LOW_BAND_FROM:
                    raise serializers.ValidationError(
                        f"The low band always starts at {LOW_BAND_FROM} (every area scored 1): give 18, or leave "
                        f"it out.")
                continue
            cut_offs[BAND_FIELDS[band]] = minimum
        return cut_offs

    def validate(self, attrs: dict) -> dict:
        twice = sorted(set(attrs.get("readiness_bands") or {}) & set(attrs))
        if twice:
            raise serializers.ValidationError({"readiness_bands": [
                f"Give a band's start here or as {', '.join(twice)}, not both."]})
        return attrs

    def changes(self) -> dict:
        """The numbers given (the bands' included), as reviews.services.policy_publish takes them."""
        data = self.validated_data
        return {name: data[name] for name in POLICY_FIELDS if name in data} | dict(data.get("readiness_bands") or {})


# ---------------------------------------------------------------- a use case's gate


class GateCriterionSerializer(serializers.Serializer):
    """One criterion of the next scale move, in a sponsor's words."""

    key = serializers.CharField(help_text="Stable: e.g. readiness_total, critical_areas, reviews_approved.")
    label = serializers.CharField(help_text="What must be true, with the policy's numbers in it.")
    met = serializers.BooleanField()
    detail = serializers.CharField(help_text="When unmet: what is missing; otherwise empty.")


class GateEvaluationSerializer(serializers.Serializer):
    """A use case's next scale move, judged now under the policy in force."""

    stage = serializers.ChoiceField(choices=Stage.choices)
    next_stage = serializers.ChoiceField(choices=Stage.choices, allow_null=True,
                                         help_text="Where scale would move it; null when its stage has no scale move.")
    policy_version = serializers.IntegerField(
        allow_null=True, help_text="The governance policy version it is judged under (null only before any).")
    criteria = GateCriterionSerializer(many=True, help_text="Empty when its stage has no scale move.")


def gate_evaluation_data(evaluation) -> dict:
    """A reviews.selectors.GateEvaluation as GateEvaluationSerializer renders it."""
    return {
        "stage": evaluation.stage,
        "next_stage": evaluation.next_stage,
        "policy_version": evaluation.policy.version if evaluation.policy.pk else None,
        "criteria": [{"key": c.key, "label": c.label, "met": c.met, "detail": c.detail} for c in evaluation.criteria],
    }
