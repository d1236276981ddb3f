"""Use cases: list and read (filtered by the permission choke point), create a
draft, change its answers, submit it, decide its gate, comment, and record
its evidence. Every write is the page's own service; this only translates."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from api.etags import check_if_match, etag_for
from api.filters import UseCaseFilterSet
from api.schema import IF_MATCH, error
from api.serializers.evidence import (
    ChecklistInputSerializer,
    ChecklistSerializer,
    PilotSelectionInputSerializer,
    PilotSelectionSerializer,
    ReadinessInputSerializer,
    ReadinessSerializer,
    ReadinessSignoffInputSerializer,
)
from api.serializers.gaps import GapPlanInputSerializer, GapPlanSerializer
from api.serializers.policy import GateEvaluationSerializer, gate_evaluation_data
from api.serializers.reviews import GateDecisionInputSerializer, GateDecisionSerializer, ReviewSerializer
from api.serializers.usecases import (
    CommentInputSerializer,
    CommentSerializer,
    UseCaseCreateSerializer,
    UseCaseDetailSerializer,
    UseCaseSerializer,
    UseCaseUpdateSerializer,
    list_columns,
    use_case_list_item,
)
from api.views import evidence, gaps
from api.views.base import GenericViewSet
from intake import permissions, selectors, services
from intake.models import KPI, UseCase
from reviews import selectors as review_selectors
from reviews import services as review_services
from reviews.models import Review

REFERENCE = r"[A-Za-z0-9_-]{1,20}"


def detail_queryset():
    # The rows whose codes and usernames the detail names; vendor and model ids come from
    # selectors.use_case_with_related_ids.
    related = ("business_unit", "business_owner", "delivery_owner", "executive_sponsor", "portfolio_bucket")
    return UseCase.objects.select_related(*related).prefetch_related(
        Prefetch("kpis", queryset=KPI.objects.select_related("owner").order_by("id")))


@extend_schema_view(
    list=extend_schema(summary="Use cases you may see", description="Delta sync: pass updated_since and follow next."),
    retrieve=extend_schema(summary="One use case, with its ETag"),
)
class UseCaseViewSet(GenericViewSet):
    lookup_field = "reference"
    lookup_value_regex = REFERENCE
    sync_field = "updated_at"
    filterset_class = UseCaseFilterSet
    serializer_class = UseCaseSerializer
    queryset = UseCase.objects.none()  # for the schema; get_queryset filters per user
    etag_actions = ("retrieve", "partial_update", "create", "submit", "readiness", "readiness_signoffs",
                    "pilot_selection", "checklist", "gap_closure_plan")

    def get_queryset(self):
        # Lists walk the updated_at index page by page (keyset, no count): probe grants row by row.
        visible = permissions.visible_use_cases_page if self.action == "list" else permissions.visible_use_cases
        return visible(self.request.user)

    def _visible(self, reference: str, queryset=None) -> UseCase:
        return permissions.use_case_for(self.request.user, reference, queryset)

    def _detail(self, reference: str, code: int = status.HTTP_200_OK) -> Response:
        use_case = selectors.use_case_with_related_ids(self._visible(reference, detail_queryset()))
        response = Response(UseCaseDetailSerializer(use_case).data, status=code)
        response["ETag"] = etag_for(use_case)
        return response

    def list(self, request):
        # Plain rows rendered by hand: the list is the hot path of every sync (use_case_list_item).
        rows = self.paginate_queryset(self.filter_queryset(self.get_queryset()).values(*list_columns()))
        return self.get_paginated_response([use_case_list_item(row) for row in rows])

    @extend_schema(responses=UseCaseDetailSerializer)
    def retrieve(self, request, reference=None):
        return self._detail(reference)

    @extend_schema(summary="Create a draft", request=UseCaseCreateSerializer,
                   responses={201: UseCaseDetailSerializer})
    def create(self, request):
        serializer = UseCaseCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        unit = serializer.validated_data["business_unit"]
        use_case = services.use_case_create(actor=request.user, business_unit=unit, answers=serializer.answers(),
                                            kpis=serializer.kpi_rows() or ())
        return self._detail(use_case.reference, status.HTTP_201_CREATED)

    @extend_schema(summary="Change a draft's answers", request=UseCaseUpdateSerializer,
                   responses={200: UseCaseDetailSerializer,
                              409: error("invalid_transition: the use case is closed (stopped or retired), or its "
                                         "status cannot move as the change needs.")},
                   parameters=[IF_MATCH])
    def partial_update(self, request, reference=None):
        use_case = self._visible(reference)
        serializer = UseCaseUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            # The ETag is compared under the row lock the update takes: two writers cannot both pass.
            locked = UseCase.objects.select_for_update().get(pk=use_case.pk)
            check_if_match(request, locked)
            review_services.use_case_update(use_case=locked, actor=request.user, answers=serializer.answers(),
                                     kpis=serializer.kpi_rows())
        return self._detail(reference)

    @extend_schema(summary="Submit for review", request=None, responses=UseCaseDetailSerializer,
                   description="400 lists every answer still missing, each under its field name; 409 "
                               "invalid_transition when its status cannot be submitted.")
    @action(detail=True, methods=["post"])
    def submit(self, request, reference=None):
        use_case = self._visible(reference)
        review_services.use_case_submit(use_case=use_case, actor=request.user)
        return self._detail(reference)

    @extend_schema(summary="Its next stage gate, judged now", responses=GateEvaluationSerializer,
                   description="Each criterion of its next scale move on the evidence as it stands, under the "
                               "governance policy in force (policy_version); no criteria when its stage has no "
                               "scale move.")
    @action(detail=True, methods=["get"])
    def gate(self, request, reference=None):
        evaluation = review_selectors.gate_evaluation(self._visible(reference))
        return Response(GateEvaluationSerializer(gate_evaluation_data(evaluation)).data)

    @extend_schema(summary="Decide the stage gate", request=GateDecisionInputSerializer,
                   responses={201: GateDecisionSerializer,
                              409: OpenApiResponse(description="Scale refused: unmet lists every unmet criterion; "
                                                               "or invalid_transition: the use case is a draft, "
                                                               "withdrawn, rejected, stopped or retired, or the "
                                                               "outcome has no move from its stage.")})
    @action(detail=True, methods=["post"], url_path="gate-decisions")
    def gate_decisions(self, request, reference=None):
        use_case = self._visible(reference)
        serializer = GateDecisionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        decision = review_services.gate_decide(use_case=use_case, actor=request.user, **serializer.validated_data)
        return Response(GateDecisionSerializer(decision).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Ask for the gate reviews", request=None, responses={
        201: ReviewSerializer(many=True),
        409: error("invalid_transition: already requested, not in Pilot or Controlled rollout, its tier names no "
                   "re-review at this gate, reviews still open, or no gate may be decided (draft, withdrawn, "
                   "rejected, stopped, retired).")},
        description="Opens the next review cycle with one review per function its tier re-reviews at the next "
                    "gate (the gate_reviews criterion waits for them). Whoever records its gate evidence or "
                    "decides its gate may ask.")
    @action(detail=True, methods=["post"], url_path="gate/reviews", pagination_class=None)
    def gate_reviews(self, request, reference=None):
        opened = review_services.gate_reviews_request(use_case=self._visible(reference), actor=request.user)
        reviews = (Review.objects.filter(pk__in=[r.pk for r in opened]).order_by("function")
                   .select_related("use_case", "assignee", "decided_by").prefetch_related("conditions"))
        return Response(ReviewSerializer(reviews, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Comment on it (or on one of its reviews)", request=CommentInputSerializer,
                   responses={201: CommentSerializer})
    @action(detail=True, methods=["post"])
    def comments(self, request, reference=None):
        use_case = self._visible(reference)
        serializer = CommentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        review = review_of(use_case, serializer.validated_data.get("review"))
        comment = review_services.comment_add(use_case=use_case, actor=request.user,
                                              body=serializer.validated_data["body"], review=review)
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], summary="Readiness scorecard", responses=ReadinessSerializer)
    @extend_schema(methods=["PUT"], summary="Score readiness areas", request=ReadinessInputSerializer,
                   responses=ReadinessSerializer, parameters=[IF_MATCH])
    @action(detail=True, methods=["get", "put"])
    def readiness(self, request, reference=None):
        return evidence.respond(request, self._visible(reference), evidence.readiness_data, evidence.readiness_put)

    @extend_schema(summary="Review an area scored 1 independently (review functions, governance admins)",
                   request=ReadinessSignoffInputSerializer, responses=ReadinessSerializer,
                   description="Recorded with who and when; the use case's own people are refused (403, with "
                               "the separation-of-duties reason). From pilot on, a gate waits for one on every "
                               "area scored 1 (criterion independent_signoff).")
    @action(detail=True, methods=["post"], url_path="readiness/signoffs")
    def readiness_signoffs(self, request, reference=None):
        use_case = self._visible(reference)
        evidence.readiness_signoff(request, use_case)
        return evidence.respond(request, use_case, evidence.readiness_data, None)

    @extend_schema(methods=["GET"], summary="Pilot-selection score", responses=PilotSelectionSerializer)
    @extend_schema(methods=["PUT"], summary="Record the pilot-selection score (PMO, governance admins)",
                   request=PilotSelectionInputSerializer, responses=PilotSelectionSerializer, parameters=[IF_MATCH])
    @action(detail=True, methods=["get", "put"], url_path="pilot-selection")
    def pilot_selection(self, request, reference=None):
        return evidence.respond(request, self._visible(reference), evidence.pilot_data, evidence.pilot_put)

    @extend_schema(methods=["GET"], summary="Rollout checklist", responses=ChecklistSerializer)
    @extend_schema(methods=["PUT"], summary="Mark checklist items", request=ChecklistInputSerializer,
                   responses=ChecklistSerializer, parameters=[IF_MATCH])
    @action(detail=True, methods=["get", "put"])
    def checklist(self, request, reference=None):
        return evidence.respond(request, self._visible(reference), evidence.checklist_data, evidence.checklist_put)

    @extend_schema(methods=["GET"], summary="Gap-closure plan: the readiness areas below 4 and their actions",
                   responses=GapPlanSerializer)
    @extend_schema(methods=["PUT"], summary="Set or remove gap-closure actions", request=GapPlanInputSerializer,
                   responses=GapPlanSerializer, parameters=[IF_MATCH],
                   description="An empty action removes the area's action. 400 names each refused area under "
                               "items; 403 with the reason when you may not record its evidence.")
    @action(detail=True, methods=["get", "put"], url_path="gap-closure-plan")
    def gap_closure_plan(self, request, reference=None):
        return evidence.respond(request, self._visible(reference), gaps.gap_plan_data, gaps.gap_plan_put)


def review_of(use_case: UseCase, review_id: int | None) -> Review | None:
    """The use case's review named in the input (a comment's or a file's), or a field error."""
    if review_id is None:
        return None
    review = Review.objects.filter(pk=review_id, use_case=use_case).first()
    if review is None:
        raise ValidationError({"review": ["This use case has no review with that id."]})
    return review
