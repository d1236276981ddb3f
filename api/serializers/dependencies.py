"""Dependency flags on a use case, and the status changes of registry models and vendors that raise them."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from reviews.models import DependencyKind
from reviews.selectors.dependencies import dependency_flags
from vendors.choices import ModelStatus, VendorStatus

from .common import InputSerializer, UTCDateTimeField


class DependencyFlagSerializer(serializers.Serializer):
    """A model or vendor the use case depends on whose status changed (deprecated, banned, approval gone)."""

    kind = serializers.ChoiceField(choices=DependencyKind.choices)
    name = serializers.CharField()
    status = serializers.CharField(help_text="deprecated or banned (a model); rejected, offboarded or "
                                             "approval_expired (a vendor).")
    since = UTCDateTimeField()


@extend_schema_field(DependencyFlagSerializer(many=True))
class DependencyFlagsField(serializers.Field):
    """The use case's open flags (reviews.selectors.dependencies), oldest first."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, use_case):
        return DependencyFlagSerializer(dependency_flags(use_case), many=True).data


class ModelStatusSerializer(InputSerializer):
    status = serializers.CharField(max_length=30, help_text=f"One of {', '.join(ModelStatus.values)}.")
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True,
                                 help_text="Why, for the flags, the re-reviews and the emails.")


class VendorStatusSerializer(InputSerializer):
    status = serializers.CharField(
        max_length=30, help_text=f"One of {', '.join(VendorStatus.values)}; by hand an approval is withdrawn "
                                 "(rejected) or restored (approved, approved_with_conditions).")
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True,
                                 help_text="Why, for the flags, the re-reviews and the emails.")
