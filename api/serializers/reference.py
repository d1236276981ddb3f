"""Reference data any signed-in caller may read: vendors, models, business units, outcomes."""

from __future__ import annotations

from rest_framework import serializers

from api.models import Tombstone
from intake.models import BusinessUnit, StrategicOutcome
from vendors.choices import EffectiveStatus
from vendors.models import AIModel, Vendor, VendorAssessment

from .common import ReadSerializer, UTCDateTimeField


class VendorSerializer(ReadSerializer):
    """A vendor in the registry."""

    effective_status = serializers.ChoiceField(
        source="effective_status_value", choices=EffectiveStatus.choices,
        help_text="The status as of today: an approval past approval_expires reads approval_expired.")

    class Meta:
        model = Vendor
        fields = ("id", "name", "status", "effective_status", "criticality", "approval_expires", "website",
                  "description", "offboarded_at", "created_at", "updated_at")


class VendorAssessmentSerializer(ReadSerializer):
    """A due-diligence assessment of a vendor."""

    assessor = serializers.CharField(source="assessor.username", allow_null=True)
    completed_by = serializers.CharField(source="completed_by.username", allow_null=True)

    class Meta:
        model = VendorAssessment
        fields = ("id", "vendor", "status", "outcome", "assessor", "started_on", "due_on", "completed_at",
                  "completed_by", "conditions", "notes", "created_at", "updated_at")


class AIModelSerializer(ReadSerializer):
    """A model in the approved model registry."""

    provider_name = serializers.CharField(source="provider.name")

    class Meta:
        model = AIModel
        fields = ("id", "provider", "provider_name", "name", "version", "status", "hosting",
                  "max_data_classification", "max_tier", "next_review_date", "notes", "created_at", "updated_at")


class BusinessUnitSerializer(ReadSerializer):
    """A business unit."""

    updated_at = UTCDateTimeField(help_text="When it last changed (from its history).")

    class Meta:
        model = BusinessUnit
        fields = ("id", "code", "name", "updated_at")


class StrategicOutcomeSerializer(ReadSerializer):
    """A strategic outcome use cases serve."""

    updated_at = UTCDateTimeField(help_text="When it last changed (from its history).")

    class Meta:
        model = StrategicOutcome
        fields = ("id", "name", "description", "active", "updated_at")


class TombstoneSerializer(ReadSerializer):
    """A record a sync client should delete (deleted) or archive (withdrawn, offboarded)."""

    class Meta:
        model = Tombstone
        fields = ("id", "resource", "object_id", "reason", "deleted_at")
