"""Pilots with their clock: the PMO's list of what ends when."""

from __future__ import annotations

from rest_framework import serializers

from intake.models import UseCase
from reviews.selectors.pilots import pilot_overrun

from .common import ReadSerializer


class PilotSerializer(ReadSerializer):
    """A running pilot: its use case, its dates, days left (negative once overrun) and whether it has overrun."""

    # The context's ``today`` is the day the clock reads: the same for every row of a page.
    business_unit = serializers.CharField(source="business_unit.code", help_text="The business unit's code.")
    pilot_end = serializers.DateField(read_only=True, help_text="The day the pilot's time-box ends.")
    days_left = serializers.SerializerMethodField(
        help_text="Days until the pilot's end (0 on the end day); negative once it has overrun.")
    pilot_overrun = serializers.SerializerMethodField(
        help_text="True once the pilot is past its end with no gate taking it out of Pilot.")

    class Meta:
        model = UseCase
        fields = ("reference", "title", "business_unit", "pilot_start", "pilot_end", "days_left", "pilot_overrun")

    def get_days_left(self, use_case: UseCase) -> int:
        return (use_case.pilot_end - self.context["today"]).days

    def get_pilot_overrun(self, use_case: UseCase) -> bool:
        return pilot_overrun(use_case, today=self.context["today"])
