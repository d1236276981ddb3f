"""Value against spend of one use case (reviews.selectors.value): decimals as strings, as everywhere."""

from __future__ import annotations

from rest_framework import serializers


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
