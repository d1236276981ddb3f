"""Reference data every signed-in caller may read, and the deletions feed of delta sync."""

from __future__ import annotations

import datetime

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
    serializer_class = VendorAssessmentSerializer
    filterset_class = VendorAssessmentFilterSet
    queryset = VendorAssessment.objects.select_related("assessor", "completed_by")


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


class DeletionViewSet(ListOnlyViewSet):
    """Tombstones: what a sync client must delete or archive. Follows the use case's visibility."""

    serializer_class = TombstoneSerializer
    filterset_class = TombstoneFilterSet
    queryset = Tombstone.objects.none()
    sync_field = "deleted_at"

    def get_queryset(self):
        user = self.request.user
        tombstones = Tombstone.objects.all()
        if "view_usecase" in permissions.global_perms(user):
            return tombstones
        gone = DeletedUseCaseViewer.objects.filter(user=user).values("use_case_id")
        return tombstones.filter(
            Q(use_case_id__isnull=True)
            | Q(use_case_id__in=permissions.visible_use_case_ids(user))
            | Q(use_case_id__in=gone)
        )
