"""Reference data every signed-in caller may read, vendor assessments (their reviewers only), and the
deletions feed of delta sync."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import DateTimeField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from drf_spectacular.utils import extend_schema

from api.filters import (
    AIModelFilterSet,
    BusinessUnitFilterSet,
    OutcomeFilterSet,
    TombstoneFilterSet,
    VendorAssessmentFilterSet,
    VendorFilterSet,
)
from api.models import DeletedUseCaseViewer, Tombstone
from api.permissions import may_view_vendor_assessments
from api.schema import IF_MATCH, error
from api.serializers.dependencies import ModelStatusSerializer, VendorStatusSerializer
from api.serializers.reference import (
    AIModelSerializer,
    BusinessUnitSerializer,
    StrategicOutcomeSerializer,
    TombstoneSerializer,
    VendorAssessmentSerializer,
    VendorSerializer,
)
from api.views.base import ListOnlyViewSet, ReadOnlyViewSet
from intake import permissions
from intake.models import BusinessUnit, StrategicOutcome
from reports import permissions as report_permissions
from vendors import selectors, services
from vendors.models import AIModel, Vendor, VendorAssessment

# Rows no history remembers changing (seeded by migrations) changed "at the beginning".
EPOCH = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)


def history_stamp(model) -> Coalesce:
    """When a row last changed, from its django-simple-history records (the model has no updated_at)."""
    latest = model.history.model.objects.filter(id=OuterRef("pk")).order_by("-history_date").values("history_date")
    return Coalesce(Subquery(latest[:1]), Value(EPOCH), output_field=DateTimeField())


class StatusPatchMixin:
    """PATCH {"status", "note"}: the same service as admin, so the live use cases that depend on the record
    are flagged, re-reviewed and told. The service refuses with 403 (who may), 400 at status (no such
    status) or 409 (a move its table does not allow)."""

    http_method_names = ["get", "patch", "head", "options"]
    status_input = ModelStatusSerializer

    def partial_update(self, request, pk=None):
        instance = self.get_object()
        serializer = self.status_input(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            self.set_status(self.locked_for_update(instance), request.user, **serializer.validated_data)
        return self.retrieve(request, pk=pk)


class VendorViewSet(StatusPatchMixin, ReadOnlyViewSet):
    serializer_class = VendorSerializer
    filterset_class = VendorFilterSet
    queryset = Vendor.objects.none()
    status_input = VendorStatusSerializer

    def get_queryset(self):
        return selectors.vendor_list()

    @staticmethod
    def set_status(vendor, actor, *, status: str, note: str = "") -> None:
        services.vendor_status_set(vendor=vendor, actor=actor, status=status, note=note)

    @extend_schema(summary="Withdraw or restore a vendor's approval (procurement, governance admins)",
                   request=VendorStatusSerializer, parameters=[IF_MATCH],
                   responses={200: VendorSerializer, 409: error(
                       "A status change its table does not allow by hand (approving a prospect, restoring an "
                       "expired approval): assessments and offboarding make those.")})
    def partial_update(self, request, pk=None):
        return super().partial_update(request, pk=pk)


class VendorAssessmentViewSet(ReadOnlyViewSet):
    """Due diligence (notes, conditions, assessor): only for those the vendors admin shows it to."""

    serializer_class = VendorAssessmentSerializer
    filterset_class = VendorAssessmentFilterSet
    queryset = VendorAssessment.objects.none()

    def get_queryset(self):
        if not may_view_vendor_assessments(self.request.user):
            return VendorAssessment.objects.none()  # as in admin: not there at all (404 on detail)
        return VendorAssessment.objects.select_related("assessor", "completed_by")


class AIModelViewSet(StatusPatchMixin, ReadOnlyViewSet):
    serializer_class = AIModelSerializer
    filterset_class = AIModelFilterSet
    queryset = AIModel.objects.select_related("provider")

    @staticmethod
    def set_status(model, actor, *, status: str, note: str = "") -> None:
        services.ai_model_status_set(model=model, actor=actor, status=status, note=note)

    @extend_schema(summary="Change a registry model's status (governance admins)",
                   request=ModelStatusSerializer, responses=AIModelSerializer, parameters=[IF_MATCH])
    def partial_update(self, request, pk=None):
        return super().partial_update(request, pk=pk)


class BusinessUnitViewSet(ReadOnlyViewSet):
    serializer_class = BusinessUnitSerializer
    filterset_class = BusinessUnitFilterSet
    queryset = BusinessUnit.objects.none()

    def get_queryset(self):
        return BusinessUnit.objects.annotate(updated_at=history_stamp(BusinessUnit))


class StrategicOutcomeViewSet(ReadOnlyViewSet):
    serializer_class = StrategicOutcomeSerializer
    filterset_class = OutcomeFilterSet
    queryset = StrategicOutcome.objects.none()

    def get_queryset(self):
        return StrategicOutcome.objects.annotate(updated_at=history_stamp(StrategicOutcome))


# Resources no use case owns, and who may list them (their tombstones follow the same rule).
UNOWNED_RESOURCES: dict[str, Callable[[Any], bool]] = {
    "vendors": lambda user: True,
    "models": lambda user: True,
    "business-units": lambda user: True,
    "outcomes": lambda user: True,
    "vendor-assessments": may_view_vendor_assessments,
    "board-packs": lambda user: report_permissions.can(user, report_permissions.Action.VIEW),
}


class DeletionViewSet(ListOnlyViewSet):
    """Tombstones: what a sync client must delete or archive. Each follows its resource's list:
    a use case's records the use case's visibility (or who could see it when it was deleted),
    vendor assessments and board packs the permissions of their lists, reference data everyone."""

    serializer_class = TombstoneSerializer
    filterset_class = TombstoneFilterSet
    queryset = Tombstone.objects.none()
    sync_field = "deleted_at"

    def get_queryset(self):
        user = self.request.user
        listed = {resource: may_list(user) for resource, may_list in UNOWNED_RESOURCES.items()}
        if "view_usecase" in permissions.global_perms(user):
            return Tombstone.objects.exclude(resource__in=[r for r, may in listed.items() if not may])
        gone = DeletedUseCaseViewer.objects.filter(user=user).values("use_case_id")
        return Tombstone.objects.filter(
            Q(use_case_id__isnull=True, resource__in=[r for r, may in listed.items() if may])
            | Q(use_case_id__in=permissions.visible_use_case_ids(user))
            | Q(use_case_id__in=gone)
        )
