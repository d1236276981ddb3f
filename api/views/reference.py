"""Reference data every signed-in caller may read, vendor assessments (their reviewers only), and the
deletions feed of delta sync."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.db.models import DateTimeField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

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
from vendors import selectors
from vendors.models import AIModel, Vendor, VendorAssessment

# Rows no history remembers changing (seeded by migrations) changed "at the beginning".
EPOCH = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)


def history_stamp(model) -> Coalesce:
    """When a row last changed, from its django-simple-history records (the model has no updated_at)."""
    latest = model.history.model.objects.filter(id=OuterRef("pk")).order_by("-history_date").values("history_date")
    return Coalesce(Subquery(latest[:1]), Value(EPOCH), output_field=DateTimeField())


class VendorViewSet(ReadOnlyViewSet):
    serializer_class = VendorSerializer
    filterset_class = VendorFilterSet
    queryset = Vendor.objects.none()

    def get_queryset(self):
        return selectors.vendor_list()


class VendorAssessmentViewSet(ReadOnlyViewSet):
    """Due diligence (notes, conditions, assessor): only for those the vendors admin shows it to."""

    serializer_class = VendorAssessmentSerializer
    filterset_class = VendorAssessmentFilterSet
    queryset = VendorAssessment.objects.none()

    def get_queryset(self):
        if not may_view_vendor_assessments(self.request.user):
            return VendorAssessment.objects.none()  # as in admin: not there at all (404 on detail)
        return VendorAssessment.objects.select_related("assessor", "completed_by")


class AIModelViewSet(ReadOnlyViewSet):
    serializer_class = AIModelSerializer
    filterset_class = AIModelFilterSet
    queryset = AIModel.objects.select_related("provider")


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
