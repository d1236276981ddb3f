"""Value against spend of one use case (reviews.selectors.value): decimals as strings, as everywhere."""

from __future__ import annotations

from rest_framework import serializers

from api.serializers.common import InputSerializer, UsernameField
from intake.choices import KPICadence, KPIValueType


class UseCaseValueSerializer(serializers.Serializer):
    realised_value = serializers.DecimalField(
        max_digits=20, decimal_places=2, read_only=True,
        help_text="Sum over the KPIs with a monetary value per unit: the latest actual's improvement over the "
                  "baseline (by the KPI's direction) times that value.")
    spend = serializers.DecimalField(max_digits=20, decimal_places=2, read_only=True,
                                     help_text="Sum of the actual spend of every cost entry up to as_of.")
    roi = serializers.DecimalField(max_digits=20, decimal_places=4, read_only=True, allow_null=True,
                                   help_text="(realised_value - spend) / spend; null when nothing was spent.")
    currency = serializers.CharField(read_only=True, help_text="ISO 4217 code of both amounts.")
    as_of = serializers.DateField(read_only=True, help_text="The day the figures are for (today).")


class KPIValueInputSerializer(InputSerializer):
    """How a KPI is measured and what a unit of it is worth: only the fields given change."""

    cadence = serializers.ChoiceField(
        choices=KPICadence.choices, required=False, allow_null=True,
        help_text="weekly, monthly or quarterly; null to follow the policy (weekly in pilot, monthly after).")
    owner = UsernameField(required=False, allow_null=True,
                          help_text="Who measures it (username); null for the use case's delivery owner.")
    value_type = serializers.ChoiceField(choices=KPIValueType.choices, required=False, allow_null=True,
                                         help_text="cost, speed, quality, revenue or risk; null for none.")
    unit_value = serializers.DecimalField(max_digits=14, decimal_places=4, min_value=0, required=False,
                                          allow_null=True,
                                          help_text="Money per unit of improvement (0 or more); null when unpriced.")

    def validate(self, attrs):
        # Null is how the API says "none" (as it reads them back); the model keeps a blank choice.
        return {name: "" if value is None and name in ("cadence", "value_type") else value
                for name, value in attrs.items()}
