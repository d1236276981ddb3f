"""Evidence files and the artefacts they are: uploaded on a use case (multipart), listed like risks (delta sync,
visible use cases only, tombstones when deleted) and downloaded as files. Writes go through
``reviews.services.evidence_add``, which checks who may attach and what the type and metrics must be."""

from __future__ import annotations

import django_filters as filters
from django.urls import re_path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import renderers, status
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from api.filters import UseCaseScopedFilterSet
from api.schema import error
from api.serializers.artefacts import ArtefactRejectSerializer, ArtefactSerializer, ArtefactUploadSerializer
from api.views.base import ApiView
from api.views.records import UseCaseScopedViewSet
from api.views.usecases import review_of
from config.downloads import attachment
from intake import permissions
from reviews import services
from reviews.models import Evidence
from reviews.selectors.artefacts import metrics_prefetch

REFERENCE = r"[A-Za-z0-9_-]{1,20}"
RELATED = ("use_case", "artefact_type", "uploaded_by", "rejected_by")


def artefacts():
    return Evidence.objects.select_related(*RELATED).prefetch_related(metrics_prefetch())


class ArtefactFilterSet(UseCaseScopedFilterSet):
    artefact_type = filters.CharFilter(field_name="artefact_type__key", help_text="The artefact type's key.")
    rejected = filters.BooleanFilter(field_name="rejected_at", lookup_expr="isnull", exclude=True,
                                     help_text="true: only rejected ones; false: only standing ones.")

    class Meta:
        model = Evidence
        fields = []


class FileRenderer(renderers.BaseRenderer):
    """Lets a client ask for the file itself; errors stay JSON (ArtefactViewSet.handle_exception)."""

    media_type = "application/octet-stream"
    format = "file"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return renderers.JSONRenderer().render(data, accepted_media_type, renderer_context)


class ArtefactViewSet(UseCaseScopedViewSet):
    model = Evidence
    related = RELATED
    serializer_class = ArtefactSerializer
    filterset_class = ArtefactFilterSet
    queryset = Evidence.objects.none()

    def get_queryset(self):
        return super().get_queryset().prefetch_related(metrics_prefetch())

    def handle_exception(self, exc):
        if isinstance(getattr(self.request, "accepted_renderer", None), FileRenderer):
            self.request.accepted_renderer = renderers.JSONRenderer()
            self.request.accepted_media_type = renderers.JSONRenderer.media_type
        return super().handle_exception(exc)

    @extend_schema(summary="Reject the artefact (its reviewers, governance admins)", request=ArtefactRejectSerializer,
                   responses={200: ArtefactSerializer,
                              409: error("invalid_transition: it is already rejected, it is a plain file, or "
                                         "the use case's gates are closed (a draft, withdrawn, rejected, stopped "
                                         "or retired use case).")},
                   description="It then meets no requirement until a new file of its type is uploaded. 403 with the "
                               "reason for anyone else who sees it, the use case's own people included.")
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        evidence = self.get_object()
        data = self._valid(ArtefactRejectSerializer)
        services.evidence_reject(evidence=evidence, actor=request.user, reason=data["reason"])
        return Response(ArtefactSerializer(self.get_object(), context={"request": request}).data)

    @extend_schema(summary="Download the file", responses={
        (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY, description="The file as uploaded."),
    })
    @action(detail=True, methods=["get"], renderer_classes=[renderers.JSONRenderer, FileRenderer])
    def file(self, request, pk=None):
        evidence = self.get_object()
        return attachment(evidence.file, filename=evidence.original_name, content_type=evidence.content_type)


class UseCaseEvidenceView(ApiView):
    """POST /api/v1/use-cases/{reference}/evidence/: attach a file, as an artefact when it is one."""

    parser_classes = [MultiPartParser]

    @extend_schema(
        summary="Upload evidence, as a required artefact when it is one",
        request={"multipart/form-data": ArtefactUploadSerializer},
        responses={201: ArtefactSerializer},
        parameters=[OpenApiParameter("reference", OpenApiTypes.STR, OpenApiParameter.PATH, pattern=REFERENCE,
                                     description="The use case's reference, e.g. UC-0001.")],
        description="Anyone who may comment may attach. An unknown artefact_type, metrics on a type without "
                    "them, an evaluation report without metrics, a bad number or a metric named twice is a 400 at "
                    "its field, as is a file of a refused type, content or size; nothing is saved.",
    )
    def post(self, request, reference: str):
        use_case = permissions.use_case_for(request.user, reference)
        serializer = ArtefactUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        evidence = services.evidence_add(use_case=use_case, actor=request.user, upload=data["file"],
                                         review=review_of(use_case, data.get("review")),
                                         artefact_type=data.get("artefact_type"), metrics=data.get("metrics"))
        body = ArtefactSerializer(artefacts().get(pk=evidence.pk), context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)


def upload_path():
    """The route of the upload, for api.urls (ahead of the router's use-case routes)."""
    return re_path(rf"^v1/use-cases/(?P<reference>{REFERENCE})/evidence/$", UseCaseEvidenceView.as_view(),
                   name="use-case-evidence")
