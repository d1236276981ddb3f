"""A use case's gap-closure plan: one action, owner and date for each readiness area scored below 4.

The input checks only the shape (strings and an ISO date); what the plan's content must be (an action
of at most 500 characters, an active owner, a date from today on) is the service's to say, and its
messages come back under ``items.<area key>``.
"""

from __future__ import annotations

from rest_framework import serializers

from reviews.models import GapClosureAction

from .common import InputSerializer, ReadSerializer
from .evidence import READINESS_AREAS, READINESS_BANDS, keyed


class GapClosureActionSerializer(ReadSerializer):
    """One area's gap-closure action on a use case's plan."""

    use_case = serializers.CharField(source="use_case.reference")
    area = serializers.ChoiceField(choices=READINESS_AREAS, source="area.key", help_text="The readiness area's key.")
    area_name = serializers.CharField(source="area.name")
    owner = serializers.CharField(source="owner.username", help_text="Who closes the gap.")
    recorded_by = serializers.CharField(source="recorded_by.username")

    class Meta:
        model = GapClosureAction
        fields = ("id", "use_case", "area", "area_name", "action", "owner", "due_on", "recorded_by", "updated_at")


class GapPlanRowSerializer(serializers.Serializer):
    """An area scored below 4, with its action when the plan has one."""

    area = serializers.ChoiceField(choices=READINESS_AREAS)
    area_name = serializers.CharField()
    score = serializers.IntegerField(help_text="1-3.")
    action = serializers.CharField(allow_null=True, help_text="null until the plan names one.")
    owner = serializers.CharField(allow_null=True, help_text="The owner's username.")
    due_on = serializers.DateField(allow_null=True)


class GapPlanSerializer(serializers.Serializer):
    """The gap-closure plan: a Moderate readiness band admits controlled rollout only with an action, owner and
    date for every area below 4."""

    band = serializers.ChoiceField(choices=READINESS_BANDS, allow_null=True,
                                   help_text="The readiness band; null until every area is scored.")
    required = serializers.BooleanField(help_text="The band is moderate: the plan must cover every gap.")
    gaps = GapPlanRowSerializer(many=True, help_text="Every area scored below 4, in scorecard order.")
    missing = serializers.ListField(child=serializers.ChoiceField(choices=READINESS_AREAS),
                                    help_text="The areas below 4 without an action.")


class GapPlanItemInput(InputSerializer):
    """One area's action; an empty action removes the area's action (owner and date are then ignored)."""

    action = serializers.CharField(allow_blank=True, help_text="What will close the gap, at most 500 characters.")
    owner = serializers.CharField(required=False, allow_blank=True, allow_null=True,
                                  help_text="The owner's username (an active user); required with an action.")
    due_on = serializers.DateField(required=False, allow_null=True,
                                   help_text="From today on; required with an action.")


GapPlanItemsInput = keyed("GapPlanItemsInput", READINESS_AREAS, lambda: GapPlanItemInput(required=False))


class GapPlanInputSerializer(InputSerializer):
    """Gap-closure actions to set or remove (any of the 18 areas)."""

    items = GapPlanItemsInput(help_text="Any of the 18 areas, each with its action, owner and due date.")
