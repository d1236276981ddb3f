"""Records that belong to a use case: reviews, gate decisions, risks, KPIs, incidents.

Each list is filtered by one ``use_case_id IN (visible ids)`` subquery from
the permission choke point, so anything on a use case you may not see is a
404 here too. Writes call the reviews services, which check the RACI.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from api.filters import GateDecisionFilterSet, IncidentFilterSet, KPIFilterSet, ReviewFilterSet, RiskFilterSet
from api.schema import IF_MATCH, error
from api.serializers.evidence import (
    IncidentInputSerializer,
    IncidentSerializer,
    IncidentUpdateSerializer,
    KPIActualInputSerializer,
    KPIActualSerializer,
    RiskInputSerializer,
    RiskSerializer,
    RiskUpdateSerializer,
)
from api.serializers.reviews import (
    GateDecisionSerializer,
    ReviewDecisionInputSerializer,
    ReviewSerializer,
)
from api.serializers.usecases import KPISerializer
from api.serializers.value import KPIValueInputSerializer
from api.views.base import ReadOnlyViewSet
from api.views.incidents import ASSIGNMENT, IncidentReviewActions
from intake import permissions
from intake.models import KPI
from reviews import services
from reviews.models import GateDecision, Incident, Review, ReviewCondition, Risk
from reviews.services import incidents as incident_services

UNSEEN_USE_CASE = error("The use case named in the body does not exist or is not visible to you.")


class UseCaseScopedViewSet(ReadOnlyViewSet):
    """Rows of use cases the caller may see; ``model`` and ``related`` say which and what to join."""

    model = None
    related: tuple[str, ...] = ("use_case",)

    def get_queryset(self):
        rows = self.model.objects.select_related(*self.related)
        # A list page walks the sync index (updated_at, id) and probes each row's grants, so its
        # cost follows the page size, not how many rows the caller may see (as the use-case list).
        restrict = permissions.restrict_page if self.action == "list" else permissions.restrict
        return restrict(rows, self.request.user, field="use_case_id")

    def _valid(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _use_case(self, data: dict):
        return permissions.use_case_for(self.request.user, data.pop("use_case"))


class ReviewViewSet(UseCaseScopedViewSet):
    model = Review
    related = ("use_case", "assignee", "decided_by")
    serializer_class = ReviewSerializer
    filterset_class = ReviewFilterSet
    queryset = Review.objects.none()

    def get_queryset(self):
        conditions = ReviewCondition.objects.select_related("owner").order_by("due_date", "id")
        return super().get_queryset().prefetch_related(Prefetch("conditions", queryset=conditions))

    @extend_schema(summary="Decide the review", request=ReviewDecisionInputSerializer, responses=ReviewSerializer,
                   description="403 with the reason when you may not decide it (e.g. separation of duties).")
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        review = self.get_object()
        data = self._valid(ReviewDecisionInputSerializer)
        services.review_decide(review=review, actor=request.user, decision=data["decision"],
                               rationale=data["rationale"], conditions=[dict(c) for c in data.get("conditions", [])])
        return Response(ReviewSerializer(self.get_object()).data)


class GateDecisionViewSet(UseCaseScopedViewSet):
    model = GateDecision
    related = ("use_case", "decided_by", "policy")
    serializer_class = GateDecisionSerializer
    filterset_class = GateDecisionFilterSet
    queryset = GateDecision.objects.none()
    sync_field = "decided_at"  # immutable records: the decision time is the sync key


class RiskViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, UseCaseScopedViewSet):
    model = Risk
    related = ("use_case", "owner")
    serializer_class = RiskSerializer
    filterset_class = RiskFilterSet
    queryset = Risk.objects.none()
    http_method_names = ["get", "post", "patch", "head", "options"]

    @extend_schema(summary="Add a risk to a use case's register", request=RiskInputSerializer,
                   responses={201: RiskSerializer, 404: UNSEEN_USE_CASE})
    def create(self, request):
        data = self._valid(RiskInputSerializer)
        use_case = self._use_case(data)
        risk = services.risk_save(use_case=use_case, actor=request.user, data=data)
        return Response(RiskSerializer(self.get_queryset().get(pk=risk.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Change a risk", request=RiskUpdateSerializer, responses=RiskSerializer,
                   parameters=[IF_MATCH])
    def partial_update(self, request, pk=None):
        risk = self.get_object()
        data = self._valid(RiskUpdateSerializer)
        with transaction.atomic():
            self.locked_for_update(risk)
            services.risk_save(use_case=risk.use_case, actor=request.user, data=data, risk=risk)
        return self.retrieve(request, pk=pk)


class IncidentViewSet(IncidentReviewActions, mixins.CreateModelMixin, mixins.UpdateModelMixin, UseCaseScopedViewSet):
    model = Incident
    related = ("use_case", "reported_by", "owner", "post_incident_review")
    serializer_class = IncidentSerializer
    filterset_class = IncidentFilterSet
    queryset = Incident.objects.none()
    http_method_names = ["get", "post", "patch", "head", "options"]

    @extend_schema(summary="Report an incident", request=IncidentInputSerializer,
                   responses={201: IncidentSerializer, 404: UNSEEN_USE_CASE})
    def create(self, request):
        data = self._valid(IncidentInputSerializer)
        use_case = self._use_case(data)
        incident = services.incident_report(use_case=use_case, actor=request.user, data=data)
        return Response(IncidentSerializer(self.get_queryset().get(pk=incident.pk)).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(summary="Update an incident", request=IncidentUpdateSerializer, parameters=[IF_MATCH],
                   responses={200: IncidentSerializer, 409: error(
                       "invalid_transition: its status table does not allow the move (a resolved incident does not "
                       "reopen).")})
    def partial_update(self, request, pk=None):
        incident = self.get_object()
        data = self._valid(IncidentUpdateSerializer)
        assignment = {name: data.pop(name) for name in ASSIGNMENT if name in data}
        with transaction.atomic():
            self.locked_for_update(incident)
            if assignment:
                incident_services.incident_assign(incident=incident, actor=request.user, **assignment)
            if data or not assignment:
                services.incident_update(incident=incident, actor=request.user, data=data)
        return self.retrieve(request, pk=pk)


class KPIViewSet(mixins.UpdateModelMixin, UseCaseScopedViewSet):
    model = KPI
    related = ("use_case", "owner")
    serializer_class = KPISerializer
    filterset_class = KPIFilterSet
    queryset = KPI.objects.none()
    http_method_names = ["get", "post", "patch", "head", "options"]

    @extend_schema(summary="Set how a KPI is measured and what a unit of it is worth",
                   request=KPIValueInputSerializer, responses=KPISerializer, parameters=[IF_MATCH])
    def partial_update(self, request, pk=None):
        kpi = self.get_object()
        data = self._valid(KPIValueInputSerializer)
        with transaction.atomic():
            self.locked_for_update(kpi)
            services.kpi_value_set(kpi=kpi, actor=request.user, data=data)
        return self.retrieve(request, pk=pk)

    @extend_schema(summary="Record a KPI measurement (the same date again corrects it)",
                   request=KPIActualInputSerializer, responses={201: KPIActualSerializer})
    @action(detail=True, methods=["post"])
    def actuals(self, request, pk=None):
        kpi = self.get_object()
        data = self._valid(KPIActualInputSerializer)
        actual = services.kpi_actual_record(kpi=kpi, actor=request.user, measured_on=data["measured_on"],
                                            value=data["value"], note=data.get("note", ""))
        return Response(KPIActualSerializer(actual).data, status=status.HTTP_201_CREATED)
