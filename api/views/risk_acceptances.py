"""Risk acceptances: listed and read like risks (delta sync, the use cases you may see), and recorded through
``reviews.services.risk_accept``, which decides who may accept and what an acceptance must say."""

from __future__ import annotations

import django_filters as filters
from django.db.models import Exists, OuterRef
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.response import Response

from api.filters import IdFilter, SyncFilterSet
from api.schema import error
from api.serializers.risk_acceptances import RiskAcceptanceInputSerializer, RiskAcceptanceSerializer
from api.views.base import ReadOnlyViewSet
from intake import permissions
from reviews import services
from reviews.models import Risk, RiskAcceptance
from reviews.selectors import risk_gate

UNSEEN_RISK = error("The risk named in the body does not exist or is not on a use case visible to you.")
CONFLICT = error("A request with this Idempotency-Key is still running, or the use case's gates are closed "
                 "(invalid_transition: a draft, withdrawn, rejected, stopped or retired use case).")


class RiskAcceptanceFilterSet(SyncFilterSet):
    use_case = filters.CharFilter(field_name="risk__use_case__reference", help_text="The use case's reference.")
    risk = IdFilter(field_name="risk_id", help_text="The risk's id.")

    class Meta:
        model = RiskAcceptance
        fields = []


class RiskAcceptanceViewSet(mixins.CreateModelMixin, ReadOnlyViewSet):
    serializer_class = RiskAcceptanceSerializer
    filterset_class = RiskAcceptanceFilterSet
    queryset = RiskAcceptance.objects.none()
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        # A list page probes each row's grants as it walks the sync index (as the other use-case records).
        rows = risk_gate.permitted(self.request.user, page=self.action == "list")
        # Whether each row is its risk's current acceptance, for ``in_force``: in the page's query, not per row.
        return rows.annotate(is_current=Exists(risk_gate.current_acceptances().filter(pk=OuterRef("pk"))))

    def _risk(self, pk: int) -> Risk:
        risk = permissions.restrict(Risk.objects.select_related("use_case"), self.request.user,
                                    field="use_case_id").filter(pk=pk).first()
        if risk is None:
            raise Http404("No such risk.")
        return risk

    @extend_schema(summary="Accept a risk over its escalation threshold until a day",
                   request=RiskAcceptanceInputSerializer,
                   responses={201: RiskAcceptanceSerializer, 404: UNSEEN_RISK, 409: CONFLICT},
                   description="403 with the reason when you may not decide the use case's gates (only its "
                               "go/no-go Accountable or a governance admin, never its own people).")
    def create(self, request):
        serializer = RiskAcceptanceInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        acceptance = services.risk_accept(
            risk=self._risk(data["risk"]), actor=request.user, rationale=data.get("rationale", ""),
            compensating_controls=data.get("compensating_controls", ""), expires_on=data.get("expires_on"))
        return Response(RiskAcceptanceSerializer(self.get_queryset().get(pk=acceptance.pk)).data,
                        status=status.HTTP_201_CREATED)
