"""Use cases: the representation other tools read, and the answers they may write."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from rest_framework import serializers

from intake.models import KPI, PortfolioBucket, StrategicOutcome, UseCase
from reviews.models import Comment
from reviews.selectors.pilots import pilot_overrun
from vendors.models import AIModel, Vendor

from .common import CodeField, InputSerializer, ReadSerializer, StrictInput, UsernameField, utc_iso
from .dependencies import DependencyFlagsField

# The tier-driving answers, with their enumeration values (a contract, see intake.choices).
TIER_ANSWERS = ("ai_pattern", "data_classification", "personal_data", "decision_impact", "autonomy", "exposure",
                "regulated_area", "prohibited_practice")
# Yes/no answers that decide which EU AI Act transparency and deployer duties apply (the compliance layer).
APPLICABILITY_FLAGS = ("interacts_with_people", "emotion_or_biometric", "deep_fake", "public_service")


def _username(name: str):
    return serializers.CharField(source=f"{name}.username", allow_null=True,
                                 help_text=f"Username of the {name.replace('_', ' ')}, or null.")


class UseCaseSerializer(ReadSerializer):
    """A use case as lists show it: workflow position, tier and the tier-driving answers."""

    business_unit = serializers.CharField(source="business_unit.code", help_text="The business unit's code.")
    business_owner = _username("business_owner")
    delivery_owner = _username("delivery_owner")
    executive_sponsor = _username("executive_sponsor")

    class Meta:
        model = UseCase
        fields = ("reference", "title", "status", "stage", "risk_tier", "business_unit", *TIER_ANSWERS,
                  "generates_content", *APPLICABILITY_FLAGS, "ai_act_role", "eu_ai_act_category", "business_owner",
                  "delivery_owner", "executive_sponsor", "created_at", "updated_at", "submitted_at")
        extra_kwargs = {"risk_tier": {"help_text": "null until the use case is submitted."}}


@functools.cache
def list_columns() -> tuple[str, ...]:
    """What the list reads with ``.values()``: the id (for the cursor) and UseCaseSerializer's sources as
    ORM paths (``business_unit.code`` is ``business_unit__code``)."""
    return ("id", *(field.source.replace(".", "__") for field in UseCaseSerializer().fields.values()))


def use_case_list_item(row: Mapping[str, Any]) -> dict[str, Any]:
    """A use case of the list, from its ``.values(*list_columns())`` row, as UseCaseSerializer renders it.

    Written out for speed: rendered by the serializer, the list misses its target of 2.5x its ``.values()``
    floor (docs/benchmarks.md, "REST API use-case list"). tests/api/test_serializer_use_case_list.py holds
    the two equal field by field.
    """
    return {
        "reference": row["reference"],
        "title": row["title"],
        "status": row["status"],
        "stage": row["stage"],
        # An unanswered choice is stored blank and reads null (common.ChoiceField).
        "risk_tier": row["risk_tier"] or None,
        "business_unit": row["business_unit__code"],
        **{name: row[name] or None for name in TIER_ANSWERS},
        "generates_content": row["generates_content"],
        **{name: row[name] for name in APPLICABILITY_FLAGS},
        "ai_act_role": row["ai_act_role"] or None,
        "eu_ai_act_category": row["eu_ai_act_category"] or None,
        "business_owner": row["business_owner__username"],
        "delivery_owner": row["delivery_owner__username"],
        "executive_sponsor": row["executive_sponsor__username"],
        "created_at": utc_iso(row["created_at"]),
        "updated_at": utc_iso(row["updated_at"]),
        "submitted_at": utc_iso(row["submitted_at"]),
    }


# How a KPI is measured and what a unit of it is worth; cadence and value type read null when blank.
KPI_VALUE_FIELDS = ("cadence", "owner", "value_type", "unit_value")


class KPISerializer(ReadSerializer):
    """A KPI of a use case: baseline and target, how often it is measured and by whom, and its value per unit."""

    use_case = serializers.CharField(source="use_case.reference", help_text="The use case's reference.")
    owner = _username("owner")

    class Meta:
        model = KPI
        fields = ("id", "use_case", "name", "category", "unit", "baseline", "target", "direction",
                  *KPI_VALUE_FIELDS, "created_at", "updated_at")


class UseCaseKPISerializer(ReadSerializer):
    """A KPI, inside its use case."""

    owner = _username("owner")

    class Meta:
        model = KPI
        fields = ("id", "name", "category", "unit", "baseline", "target", "direction", *KPI_VALUE_FIELDS)


class UseCaseDetailSerializer(UseCaseSerializer):
    """A use case with every intake answer, its KPIs, vendors and models."""

    strategic_outcome = serializers.IntegerField(source="strategic_outcome_id", read_only=True, allow_null=True,
                                                 help_text="The strategic outcome's id, or null.")
    portfolio_bucket = serializers.CharField(source="portfolio_bucket.code", read_only=True, allow_null=True,
                                             help_text="The portfolio bucket's code, or null.")
    # Set by intake.selectors.use_case_with_related_ids.
    vendors = serializers.ListField(child=serializers.IntegerField(), source="vendor_ids", read_only=True,
                                    help_text="Ids of the vendors, by name.")
    ai_models = serializers.ListField(child=serializers.IntegerField(), source="ai_model_ids", read_only=True,
                                      help_text="Ids of the AI models, by provider, name and version.")
    kpis = UseCaseKPISerializer(many=True, read_only=True)
    dependency_flags = DependencyFlagsField(help_text="Models and vendors it depends on that changed status.")
    pilot_overrun = serializers.SerializerMethodField(
        help_text="True once its pilot is past its end with no gate taking it out of Pilot.")

    class Meta(UseCaseSerializer.Meta):
        fields = (*UseCaseSerializer.Meta.fields, "summary", "problem_statement", "strategic_outcome",
                  "portfolio_bucket", "outcome_baseline", "outcome_target", "outcome_time_horizon",
                  "outcome_constraints", "data_sources", "expected_users", "integrations", "target_release",
                  "computed_tier", "risk_score", "tier_override", "tier_override_justification", "vendors",
                  "ai_models", "kpis", "dependency_flags", "pilot_start", "pilot_end", "pilot_overrun")

    def get_pilot_overrun(self, use_case: UseCase) -> bool:
        return pilot_overrun(use_case)


class KPIInputSerializer(StrictInput, serializers.ModelSerializer):
    """A KPI to add (no id) or change (its id)."""

    id = serializers.IntegerField(required=False, min_value=1, help_text="An existing KPI's id, to change it.")

    class Meta:
        model = KPI
        fields = ("id", "name", "category", "unit", "baseline", "target", "direction")


# Every intake answer a client may write (the business unit only on create).
ANSWERS = ("title", "summary", "problem_statement", "strategic_outcome", "portfolio_bucket", "outcome_baseline",
           "outcome_target", "outcome_time_horizon", "outcome_constraints", "business_owner", "delivery_owner",
           "executive_sponsor", "data_sources", "data_classification", "personal_data", "exposure", "expected_users",
           "integrations", "target_release", "ai_pattern", "generates_content", "autonomy", "decision_impact",
           "regulated_area", "prohibited_practice", *APPLICABILITY_FLAGS, "ai_act_role", "vendors", "ai_models")


class UseCaseUpdateSerializer(StrictInput, serializers.ModelSerializer):
    """Changes to a draft's answers; only the fields given change (KPIs, when given, are replaced)."""

    strategic_outcome = serializers.PrimaryKeyRelatedField(
        queryset=StrategicOutcome.objects.filter(active=True), allow_null=True, required=False)
    portfolio_bucket = CodeField(slug_field="code", queryset=PortfolioBucket.objects.filter(active=True),
                                 allow_null=True, required=False, help_text="A portfolio bucket's code.")
    business_owner = UsernameField(allow_null=True, required=False)
    delivery_owner = UsernameField(allow_null=True, required=False)
    executive_sponsor = UsernameField(allow_null=True, required=False)
    vendors = serializers.PrimaryKeyRelatedField(many=True, queryset=Vendor.objects.all(), required=False)
    ai_models = serializers.PrimaryKeyRelatedField(many=True, queryset=AIModel.objects.all(), required=False)
    kpis = KPIInputSerializer(many=True, required=False, help_text="The KPIs, all of them: rows without an id are "
                                                                   "added, missing ones removed.")

    class Meta:
        model = UseCase
        fields = (*ANSWERS, "kpis")
        extra_kwargs = {name: {"required": False} for name in ANSWERS}

    def answers(self) -> dict:
        return {name: value for name, value in self.validated_data.items() if name != "kpis"}

    def kpi_rows(self) -> list[dict] | None:
        return self.validated_data.get("kpis")


class UseCaseCreateSerializer(UseCaseUpdateSerializer):
    business_unit = serializers.CharField(max_length=20, help_text="Code of one of your business units.")

    class Meta(UseCaseUpdateSerializer.Meta):
        fields = ("business_unit", *ANSWERS, "kpis")
        extra_kwargs = {name: {"required": name == "title"} for name in ANSWERS}

    def validate_business_unit(self, code: str):
        unit = self.context["request"].user.business_units.filter(code=code).first()
        if unit is None:
            raise serializers.ValidationError("Give the code of a business unit you belong to.")
        return unit

    def answers(self) -> dict:
        return {name: value for name, value in self.validated_data.items() if name not in ("kpis", "business_unit")}


class CommentInputSerializer(InputSerializer):
    """A comment on the use case, or on one of its reviews."""

    body = serializers.CharField(max_length=5000, help_text="1 to 5000 characters.")
    review = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**63 - 1,
                                      help_text="The id of one of this use case's reviews, to comment on it.")


class CommentSerializer(ReadSerializer):
    """A comment as recorded."""

    use_case = serializers.CharField(source="use_case.reference")
    author = serializers.CharField(source="author.username")

    class Meta:
        model = Comment
        fields = ("id", "use_case", "review", "author", "body", "created_at")
