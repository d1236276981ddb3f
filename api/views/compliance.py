"""Compliance frameworks and the obligation registers.

Frameworks and their requirements are reference data any signed-in caller reads. A use case's obligations
follow the use case (404 when it is unseen, ``intake.permissions.use_case_for``); an obligation by id is one
of ``compliance.permissions.visible_obligations`` (the organisation's register is read by everyone signed
in). Writes go through ``compliance.services.obligation_update``, which decides who may change what.

An obligation is made of several rows (its evidence, the records suggested for it), so its ETag is a hash of
its data as returned (``api.etags.etag_for_data``), like the other resources made of several rows: linking
evidence or a suggested review being approved changes it even though the obligation's row did not change.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass

import django_filters as filters
from django.db import transaction
from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404
from django.urls import re_path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from api.etags import check_if_match_etag, etag_for, etag_for_data
from api.filters import SyncFilterSet, choice
from api.pagination import KeysetPagination
from api.schema import IF_MATCH
from api.serializers.compliance import (
    CoverageSerializer,
    FrameworkSerializer,
    ObligationSerializer,
    ObligationUpdateSerializer,
    ObligationUploadSerializer,
    RequirementSerializer,
    UseCaseCoverageSerializer,
)
from api.views.base import ApiMixin, GenericViewSet, ReadOnlyViewSet
from compliance import permissions as compliance_permissions
from compliance import selectors, services
from compliance.choices import ObligationStatus, Scope
from compliance.models import Framework, Obligation, ObligationEvidence, Requirement
from intake import permissions

KEY = r"[-a-zA-Z0-9_]{1,60}"
REFERENCE = r"[A-Za-z0-9_-]{1,20}"

IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match", OpenApiTypes.STR, OpenApiParameter.HEADER,
    description="The ETag you hold: 304 with no body while it is still current.")
NOT_MODIFIED = OpenApiResponse(description="Not modified: the ETag in If-None-Match is still current.")
FRAMEWORK_KEY = OpenApiParameter("key", OpenApiTypes.STR, OpenApiParameter.PATH, pattern=KEY,
                                 description="The framework's key, e.g. eu-ai-act, nist-ai-rmf, iso-42001.")
USE_CASE_REFERENCE = OpenApiParameter("reference", OpenApiTypes.STR, OpenApiParameter.PATH, pattern=REFERENCE,
                                      description="The use case's reference, e.g. UC-0001.")


def conditional(request, data, etag: str) -> Response:
    """``data`` with its ETag, or 304 with no body when If-None-Match already names that ETag."""
    header = request.META.get("HTTP_IF_NONE_MATCH")
    if header is not None and request.method in ("GET", "HEAD"):
        tags = {tag.strip().removeprefix("W/") for tag in header.split(",")}  # weak comparison, as RFC 9110
        if "*" in tags or etag in tags:
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
    return Response(data, headers={"ETag": etag})


# -- frameworks and requirements ------------------------------------------------------------------


class FrameworkFilterSet(SyncFilterSet):
    class Meta:
        model = Framework
        fields = []


@extend_schema_view(
    list=extend_schema(summary="Compliance frameworks", description="Delta sync: pass updated_since and follow "
                                                                    "next."),
    retrieve=extend_schema(summary="One framework, with its ETag", responses={200: FrameworkSerializer,
                                                                             304: NOT_MODIFIED},
                           parameters=[IF_NONE_MATCH]),
)
class FrameworkViewSet(ReadOnlyViewSet):
    serializer_class = FrameworkSerializer
    filterset_class = FrameworkFilterSet
    queryset = Framework.objects.all()
    lookup_field = "key"
    lookup_value_regex = KEY
    etag_actions = ("retrieve",)

    def retrieve(self, request, *args, **kwargs):
        framework = self.get_object()
        return conditional(request, self.get_serializer(framework).data, etag_for(framework, self.sync_field))


@dataclass(frozen=True)
class Place:
    """Where a page of requirements starts in the framework's order: the cursor, opaque to clients."""

    order: int
    id: int
    before: bool = False

    def encode(self) -> str:
        raw = json.dumps({"o": self.order, "i": self.id, "b": int(self.before)})
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Place:
        try:
            raw = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            place = cls(order=int(raw["o"]), id=int(raw["i"]), before=bool(raw["b"]))
        except (ValueError, TypeError, KeyError, binascii.Error, UnicodeDecodeError, OverflowError):
            raise ValidationError({"cursor": ["Invalid cursor: use the next or previous link as given."]}) from None
        if not (0 <= place.order < 2**31 and 0 < place.id < 2**63):
            raise ValidationError({"cursor": ["Invalid cursor: use the next or previous link as given."]})
        return place


class FrameworkOrderPagination(KeysetPagination):
    """Keyset pages in the framework's order (order, then id), not by the sync key: a framework is read as it
    is written. The page shape and its links are the other lists'."""

    def paginate_queryset(self, queryset, request, view=None):
        self.url = request.build_absolute_uri()
        size = self._page_size(request)
        token = request.query_params.get(self.cursor_query_param)
        cursor = Place.decode(token) if token else None
        before = bool(cursor and cursor.before)
        if cursor:
            op = "lt" if before else "gt"
            queryset = queryset.filter(Q(**{f"order__{op}": cursor.order})
                                       | Q(order=cursor.order, **{f"id__{op}": cursor.id}))
        rows = list(queryset.order_by(*(("-order", "-id") if before else ("order", "id")))[: size + 1])
        more, rows = len(rows) > size, rows[:size]
        if before:
            rows.reverse()
        if cursor is None:
            self.next, self.previous = (Place(rows[-1].order, rows[-1].id) if more else None), None
        elif not before:
            self.next = Place(rows[-1].order, rows[-1].id) if more else None
            self.previous = Place(rows[0].order, rows[0].id, True) if rows else Place(cursor.order, cursor.id, True)
        else:
            self.previous = Place(rows[0].order, rows[0].id, True) if more else None
            self.next = Place(rows[-1].order, rows[-1].id) if rows else Place(cursor.order, cursor.id)
        return rows

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return self.cursor_parameters()  # no ordering parameter: the order is fixed


class RequirementFilterSet(SyncFilterSet):
    scope = choice(Scope.choices)
    assessable = filters.BooleanFilter(help_text="true: only those that carry a status (headings do not).")
    deprecated = filters.BooleanFilter(help_text="false: only those in the framework's current file.")

    class Meta:
        model = Requirement
        fields = []


class FrameworkRequirementsView(ApiMixin, generics.ListAPIView):
    """GET /api/v1/frameworks/{key}/requirements/: its requirements, in the framework's order."""

    serializer_class = RequirementSerializer
    filterset_class = RequirementFilterSet
    pagination_class = FrameworkOrderPagination
    queryset = Requirement.objects.none()

    @extend_schema(summary="A framework's requirements, in its order", parameters=[FRAMEWORK_KEY],
                   description="Deprecated ones (dropped by a newer file, their answers kept) are listed too, "
                               "marked so. updated_since picks the ones changed since, still in the framework's "
                               "order.")
    def get(self, request, key: str):
        framework = get_object_or_404(Framework, key=key)
        rows = framework.requirements.select_related("parent")
        page = self.paginate_queryset(self.filter_queryset(rows))
        return self.get_paginated_response(RequirementSerializer(page, many=True).data)


# -- obligations ----------------------------------------------------------------------------------


def obligations():
    """Obligations with what their representation names, evidence included (no query per row)."""
    evidence = ObligationEvidence.objects.select_related("record_type").order_by("id")
    return Obligation.objects.select_related("requirement__framework", "owner").prefetch_related(
        Prefetch("evidence", queryset=evidence))


class ObligationFilterSet(SyncFilterSet):
    framework = filters.CharFilter(field_name="requirement__framework__key", help_text="The framework's key.")
    status = choice(ObligationStatus.choices)

    class Meta:
        model = Obligation
        fields = []


class UseCaseObligationsView(ApiMixin, generics.ListAPIView):
    """GET /api/v1/use-cases/{reference}/obligations/: the use case's register (applicable obligations)."""

    serializer_class = ObligationSerializer
    filterset_class = ObligationFilterSet
    queryset = Obligation.objects.none()
    sync_field = "updated_at"

    @extend_schema(summary="A use case's obligations", parameters=[USE_CASE_REFERENCE],
                   description="Its applicable obligations in every framework, with their evidence and the records "
                               "suggested as evidence. Delta sync: pass updated_since and follow next (a status, "
                               "justification, owner or evidence change moves an obligation; a suggested record's "
                               "state does not); it also returns obligations that stopped applying, with "
                               "applicable false.")
    def get(self, request, reference: str):
        use_case = permissions.use_case_for(request.user, reference)
        rows = obligations().filter(use_case=use_case)
        if "updated_since" not in request.query_params:  # delta sync also hears of the dropped ones
            rows = selectors.counted(rows)
        page = self.paginate_queryset(self.filter_queryset(rows))
        context = {"suggestions": selectors.register_suggestions(use_case, page)}
        return self.get_paginated_response(ObligationSerializer(page, many=True, context=context).data)


class ObligationViewSet(GenericViewSet):
    """GET and PATCH /api/v1/obligations/{id}/: an obligation of a use case you see, or the organisation's."""

    serializer_class = ObligationSerializer
    queryset = Obligation.objects.none()
    lookup_value_regex = r"[0-9]{1,18}"
    http_method_names = ["get", "patch", "post", "delete", "head", "options"]
    etag_actions = ("retrieve", "partial_update")

    def get_queryset(self):
        return compliance_permissions.visible_obligations(self.request.user, obligations())

    def _data(self, obligation: Obligation) -> dict:
        context = {"suggestions": {obligation.pk: selectors.suggested_records(obligation)}}
        return ObligationSerializer(obligation, context=context).data

    @extend_schema(summary="One obligation, with its ETag", responses={200: ObligationSerializer, 304: NOT_MODIFIED},
                   parameters=[IF_NONE_MATCH])
    def retrieve(self, request, pk=None):
        data = self._data(self.get_object())
        return conditional(request, data, etag_for_data(data))

    @extend_schema(
        summary="Link suggested evidence and change the status", request=ObligationUpdateSerializer,
        responses=ObligationSerializer, parameters=[IF_MATCH],
        description="Links the records given in evidence, then changes the status: whole or not at all. What the "
                    "change lacks is a 400 at its field (evidence before met, a justification for not applicable "
                    "or an accepted risk, accepted_until for an accepted risk, a status the lifecycle allows, a "
                    "record that is not suggested). 403 with the reason when you may not make it: a use case's "
                    "obligations are worked by whoever records its gate evidence, a risk is accepted by its gate's "
                    "Accountable or a governance admin (never its own people), the organisation's register by "
                    "governance admins.")
    def partial_update(self, request, pk=None):
        obligation = self.get_object()
        serializer = ObligationUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with transaction.atomic():
            # The ETag is compared under the row lock the update takes: two writers cannot both pass.
            locked = Obligation.objects.select_for_update().get(pk=obligation.pk)
            check_if_match_etag(request, lambda: etag_for_data(self._data(self.get_object())))
            services.obligation_update(
                obligation=locked, actor=request.user, status=data.get("status"),
                justification=data.get("justification", ""), accepted_until=data.get("accepted_until"),
                link=[dict(item) for item in data.get("evidence", ())],
                owner=data.get("owner", services.UNCHANGED))
        data = self._data(self.get_object())
        return Response(data, headers={"ETag": etag_for_data(data)})


    @extend_schema(
        summary="Upload evidence for an obligation", request={"multipart/form-data": ObligationUploadSerializer},
        responses={201: ObligationSerializer},
        description="On a use case's obligation the file joins the use case's evidence files and is linked here; "
                    "on the organisation's register it is kept with the obligation. A file of a refused type, "
                    "content or size is a 400 at file; nothing is saved. Worked by whoever may change the "
                    "obligation's status.")
    @action(detail=True, methods=["post"], url_path="evidence", parser_classes=[MultiPartParser])
    def upload(self, request, pk=None):
        obligation = self.get_object()
        serializer = ObligationUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.obligation_upload(obligation=obligation, actor=request.user, upload=serializer.validated_data["file"],
                                   note=serializer.validated_data.get("note", ""))
        data = self._data(self.get_object())
        return Response(data, status=status.HTTP_201_CREATED, headers={"ETag": etag_for_data(data)})

    @extend_schema(
        summary="Remove a piece of evidence", responses={204: None},
        parameters=[OpenApiParameter("evidence_id", OpenApiTypes.INT, OpenApiParameter.PATH,
                                     description="The evidence's id, from the obligation's evidence list.")],
        description="The only evidence of a met obligation stays until the obligation is marked in progress "
                    "(a 400 at evidence). An id not among the obligation's evidence is a 404.")
    @action(detail=True, methods=["delete"], url_path=r"evidence/(?P<evidence_id>[0-9]{1,18})")
    def remove_evidence(self, request, pk=None, evidence_id=None):
        obligation = self.get_object()
        evidence = get_object_or_404(ObligationEvidence, pk=evidence_id, obligation=obligation)
        services.obligation_unlink(evidence=evidence, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class UseCaseCoverageView(ApiMixin, generics.GenericAPIView):
    """GET /api/v1/use-cases/{reference}/coverage/: the use case's coverage by framework."""

    serializer_class = UseCaseCoverageSerializer
    queryset = Obligation.objects.none()
    pagination_class = None

    @extend_schema(summary="A use case's coverage by framework", parameters=[USE_CASE_REFERENCE],
                   responses=UseCaseCoverageSerializer,
                   description="Per framework, how many of its obligations apply and how many are satisfied, with "
                               "the identifiers still missing: the same count as the register page, the portfolio "
                               "view, the board pack and the audit dossier.")
    def get(self, request, reference: str):
        use_case = permissions.use_case_for(request.user, reference)
        return Response({"reference": use_case.reference,
                         "frameworks": CoverageSerializer(selectors.coverage(use_case), many=True).data})


def compliance_paths() -> list:
    """The nested routes, for api.urls (ahead of the router's)."""
    return [
        re_path(rf"^v1/frameworks/(?P<key>{KEY})/requirements/$", FrameworkRequirementsView.as_view(),
                name="framework-requirements"),
        re_path(rf"^v1/use-cases/(?P<reference>{REFERENCE})/obligations/$", UseCaseObligationsView.as_view(),
                name="use-case-obligations"),
        re_path(rf"^v1/use-cases/(?P<reference>{REFERENCE})/coverage/$", UseCaseCoverageView.as_view(),
                name="use-case-coverage"),
    ]
