"""Reviews, their decisions and conditions; stage-gate decisions."""

from __future__ import annotations

from rest_framework import serializers

from intake.choices import Stage
from reviews.choices import Decision
from reviews.models import GateDecision, GateOutcome, Review, ReviewCondition

from .common import ChoiceField, InputSerializer, ReadSerializer, UsernameField


class ConditionSerializer(ReadSerializer):
    """A condition of an approval; while unmet it blocks the next gate."""

    owner = serializers.CharField(source="owner.username")

    class Meta:
        model = ReviewCondition
        fields = ("id", "text", "owner", "due_date", "met", "met_at")


class ReviewSerializer(ReadSerializer):
    """One review function's review of a use case in one cycle."""

    use_case = serializers.CharField(source="use_case.reference", help_text="The use case's reference.")
    assignee = serializers.CharField(source="assignee.username", allow_null=True, help_text="Username, or null.")
    decided_by = serializers.CharField(source="decided_by.username", allow_null=True)
    conditions = ConditionSerializer(many=True, help_text="Conditions of an approval with conditions.")

    class Meta:
        model = Review
        fields = ("id", "use_case", "function", "stage", "cycle", "status", "due_date", "assignee", "decision",
                  "rationale", "decided_by", "decided_at", "conditions", "created_at", "updated_at")


class ConditionInputSerializer(InputSerializer):
    """A condition of an approval with conditions."""

    text = serializers.CharField(max_length=2000)
    owner = UsernameField(help_text="Username of the person who must meet it.")
    due_date = serializers.DateField(help_text="From today on.")


class ReviewDecisionInputSerializer(InputSerializer):
    """A review decision."""

    decision = serializers.ChoiceField(choices=Decision.choices)
    rationale = serializers.CharField(max_length=5000, allow_blank=True, help_text="10 to 5000 characters.")
    conditions = ConditionInputSerializer(many=True, required=False,
                                          help_text="Required for, and only for, approve_with_conditions.")


class GateDecisionSerializer(ReadSerializer):
    """An immutable stage-gate decision."""

    use_case = serializers.CharField(source="use_case.reference", help_text="The use case's reference.")
    decided_by = serializers.CharField(source="decided_by.username")
    criteria = serializers.JSONField(help_text="Each gate criterion as it stood at the decision (scale only).")
    policy_version = serializers.IntegerField(
        source="policy.version", allow_null=True,
        help_text="The governance policy version it was judged under; null for decisions recorded before versions.")

    class Meta:
        model = GateDecision
        fields = ("id", "use_case", "outcome", "from_stage", "to_stage", "rationale", "redesign_note", "criteria",
                  "policy_version", "decided_by", "decided_at")


class GateDecisionInputSerializer(InputSerializer):
    """A stage-gate decision: scale, pivot (with to_stage and redesign_note), pause or kill."""

    outcome = serializers.ChoiceField(choices=GateOutcome.choices)
    rationale = serializers.CharField(max_length=5000, allow_blank=True, help_text="10 to 5000 characters.")
    to_stage = ChoiceField(choices=Stage.choices, required=False, allow_blank=True,
                                       help_text="For a pivot: the earlier stage to go back to.")
    redesign_note = serializers.CharField(max_length=5000, required=False, allow_blank=True,
                                          help_text="For a pivot: what is redesigned (at least 10 characters).")
