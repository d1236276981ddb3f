"""FilterSets of the API lists (NetBox style: one filter per attribute, repeatable for "any of").

Every list accepts ``updated_since`` (records changed strictly after it, by
the resource's sync key) and reads its filters as plain query parameters;
invalid values are a 400 naming the parameter, never a 500.
"""

from __future__ import annotations

import datetime

import django_filters as filters
from django import forms
from django.db.models import Q
from django_filters.fields import IsoDateTimeField
from django_filters.rest_framework import DjangoFilterBackend

from api.models import Tombstone
from intake import choices as ic
from intake.models import KPI, BusinessUnit, StrategicOutcome, UseCase
from reviews import choices as rc
from reviews.models import (
    GapClosureAction,
    GateDecision,
    GateOutcome,
    Incident,
    IncidentStatus,
    MitigationStatus,
    Review,
    Risk,
    RiskArea,
)
from vendors import choices as vc
from vendors.models import AIModel, Vendor, VendorAssessment

MAX_ID = 2**63 - 1


class SafeIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 datetime the database can hold (no overflow when shifted to UTC)."""

    def to_python(self, value):
        parsed = super().to_python(value)
        if parsed is not None:
            try:
                parsed.astimezone(datetime.UTC)
            except (OverflowError, ValueError):
                raise forms.ValidationError("Enter a datetime between years 1 and 9999.") from None
        return parsed


class SinceFilter(filters.IsoDateTimeFilter):
    field_class = SafeIsoDateTimeField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("lookup_expr", "gt")
        kwargs.setdefault("help_text", "Only records changed strictly after this ISO 8601 datetime (delta sync).")
        super().__init__(*args, **kwargs)


class IdFilter(filters.NumberFilter):
    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=1, max_value=MAX_ID, **kwargs)


def choice(choices, field_name: str | None = None, help_text: str = ""):
    """A repeatable enum filter: ?status=a&status=b matches either."""
    return filters.MultipleChoiceFilter(choices=choices, field_name=field_name, help_text=help_text)


class SyncFilterSet(filters.FilterSet):
    updated_since = SinceFilter(field_name="updated_at")


class UseCaseFilterSet(SyncFilterSet):
    reference = filters.CharFilter(help_text="Exact reference, e.g. UC-0001.")
    q = filters.CharFilter(method="search", help_text="Reference or title contains this text.")
    status = choice(ic.Status.choices)
    stage = choice(ic.Stage.choices)
    risk_tier = choice(ic.RiskTier.choices)
    eu_ai_act_category = choice(ic.EUAIActCategory.choices)
    ai_pattern = choice(ic.AIPattern.choices)
    business_unit = filters.CharFilter(field_name="business_unit__code", help_text="Business unit code.")

    class Meta:
        model = UseCase
        fields = []

    def search(self, queryset, name, value):
        return queryset.filter(Q(reference__icontains=value) | Q(title__icontains=value))


class UseCaseScopedFilterSet(SyncFilterSet):
    use_case = filters.CharFilter(field_name="use_case__reference", help_text="The use case's reference.")


class ReviewFilterSet(UseCaseScopedFilterSet):
    function = choice(ic.ReviewFunction.choices)
    status = choice(rc.ReviewStatus.choices)
    assignee = filters.CharFilter(field_name="assignee__username", help_text="The assignee's username.")
    due_before = filters.DateFilter(field_name="due_date", lookup_expr="lte", help_text="Due on or before.")
    due_after = filters.DateFilter(field_name="due_date", lookup_expr="gte", help_text="Due on or after.")

    class Meta:
        model = Review
        fields = []


class GateDecisionFilterSet(UseCaseScopedFilterSet):
    updated_since = SinceFilter(field_name="decided_at", help_text="Only decisions made strictly after this datetime "
                                                                     "(gate decisions never change).")
    outcome = choice(GateOutcome.choices)

    class Meta:
        model = GateDecision
        fields = []


class RiskFilterSet(UseCaseScopedFilterSet):
    area = choice(RiskArea.choices)
    mitigation_status = choice(MitigationStatus.choices)

    class Meta:
        model = Risk
        fields = []


class GapClosureActionFilterSet(UseCaseScopedFilterSet):
    area = filters.CharFilter(field_name="area__key", help_text="The readiness area's key.")
    owner = filters.CharFilter(field_name="owner__username", help_text="The owner's username.")

    class Meta:
        model = GapClosureAction
        fields = []


class KPIFilterSet(UseCaseScopedFilterSet):
    category = choice(ic.KPICategory.choices)

    class Meta:
        model = KPI
        fields = []


class IncidentFilterSet(UseCaseScopedFilterSet):
    severity = choice([(n, str(n)) for n in range(1, 5)])
    status = choice(IncidentStatus.choices)

    class Meta:
        model = Incident
        fields = []


class VendorFilterSet(SyncFilterSet):
    q = filters.CharFilter(field_name="name", lookup_expr="icontains", help_text="Name contains this text.")
    status = choice(vc.VendorStatus.choices)
    criticality = choice(vc.Criticality.choices)

    class Meta:
        model = Vendor
        fields = []


class VendorAssessmentFilterSet(SyncFilterSet):
    vendor = IdFilter(field_name="vendor_id", help_text="The vendor's id.")
    status = choice(vc.AssessmentStatus.choices)
    outcome = choice(vc.AssessmentOutcome.choices)

    class Meta:
        model = VendorAssessment
        fields = []


class AIModelFilterSet(SyncFilterSet):
    provider = IdFilter(field_name="provider_id", help_text="The provider vendor's id.")
    status = choice(vc.ModelStatus.choices)
    hosting = choice(vc.Hosting.choices)

    class Meta:
        model = AIModel
        fields = []


class BusinessUnitFilterSet(SyncFilterSet):
    code = filters.CharFilter()

    class Meta:
        model = BusinessUnit
        fields = []


class OutcomeFilterSet(SyncFilterSet):
    active = filters.BooleanFilter()

    class Meta:
        model = StrategicOutcome
        fields = []


class TombstoneFilterSet(filters.FilterSet):
    since = SinceFilter(field_name="deleted_at", help_text="Only deletions and archivals strictly after this datetime.")
    updated_since = SinceFilter(field_name="deleted_at", help_text="The same as since (the name every other list "
                                                                   "uses for delta sync); given both, both apply.")
    resource = filters.CharFilter(help_text="Only this resource, e.g. use-cases.")

    class Meta:
        model = Tombstone
        fields = []


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, skipped when the request names none of the filters (the sync hot path)."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = getattr(view, "filterset_class", None)
        if filterset_class is not None and not set(request.query_params) & set(filterset_class.base_filters):
            return queryset
        return super().filter_queryset(request, queryset, view)
