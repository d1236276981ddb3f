"""Board packs: the PMO's PDFs. Who may see them is ``reports.permissions``' call
(PMO, executive sponsors, governance admins); requesting is the reports service's
own check, its refusal a 403 with the reason. Rendering is a Celery task, hence 202."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, renderers, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from api.exceptions import Conflict
from api.filters import SyncFilterSet
from api.schema import error
from api.serializers.common import InputSerializer, ReadSerializer
from api.views.base import ReadOnlyViewSet
from config.downloads import attachment
from reports import permissions, services
from reports.models import Audience, BoardPack, PackStatus


class BoardPackSerializer(ReadSerializer):
    """A board pack and where it is on its way to a PDF."""

    requested_by = serializers.CharField(source="requested_by.username", allow_null=True)
    pdf = serializers.SerializerMethodField(help_text="Where to download the PDF once ready, else null.")

    class Meta:
        model = BoardPack
        fields = ("id", "audience", "period_start", "period_end", "status", "error", "scheduled", "requested_by",
                  "requested_at", "generated_at", "pdf", "updated_at")

    def get_pdf(self, pack: BoardPack) -> str | None:
        if pack.status != PackStatus.READY:
            return None
        request = self.context.get("request")
        path = f"/api/v1/board-packs/{pack.pk}/pdf/"
        return request.build_absolute_uri(path) if request else path


class BoardPackRequestSerializer(InputSerializer):
    audience = serializers.ChoiceField(choices=Audience.choices)
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    decisions_required = serializers.CharField(max_length=5000, allow_blank=True, required=False)
    next_period_priorities = serializers.CharField(
        max_length=5000, allow_blank=True, required=False,
        help_text="One line per priority, each 'priority | owner | date (YYYY-MM-DD)': as many as the "
                  "governance policy asks (three to five by default; GET /api/v1/policy/).")
    resourcing_notes = serializers.CharField(max_length=5000, allow_blank=True, required=False)


class BoardPackFilterSet(SyncFilterSet):
    class Meta:
        model = BoardPack
        fields = ["audience", "status"]


class PDFRenderer(renderers.BaseRenderer):
    """Lets a client ask for application/pdf; the view answers with the file itself, and errors
    as JSON (BoardPackViewSet.handle_exception)."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return renderers.JSONRenderer().render(data, accepted_media_type, renderer_context)


class BoardPackViewSet(mixins.CreateModelMixin, ReadOnlyViewSet):
    serializer_class = BoardPackSerializer
    filterset_class = BoardPackFilterSet
    queryset = BoardPack.objects.none()

    def handle_exception(self, exc):
        # Errors are JSON even when the client asked for the PDF: never a JSON body labelled application/pdf.
        if isinstance(getattr(self.request, "accepted_renderer", None), PDFRenderer):
            self.request.accepted_renderer = renderers.JSONRenderer()
            self.request.accepted_media_type = renderers.JSONRenderer.media_type
        return super().handle_exception(exc)

    def get_queryset(self):
        if not permissions.can(self.request.user, permissions.Action.VIEW):
            return BoardPack.objects.none()  # as on the pages: not there at all
        return BoardPack.objects.select_related("requested_by")

    @extend_schema(summary="Request a board pack (PMO, governance admins)", request=BoardPackRequestSerializer,
                   responses={202: BoardPackSerializer})
    def create(self, request):
        serializer = BoardPackRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        pack = services.board_pack_request(actor=request.user, **serializer.validated_data)
        pack = BoardPack.objects.select_related("requested_by").get(pk=pack.pk)
        return Response(BoardPackSerializer(pack, context={"request": request}).data, status=status.HTTP_202_ACCEPTED)

    # Errors are JSON whatever the Accept header (handle_exception; api.schema declares them so).
    @extend_schema(summary="Download the PDF", responses={
        (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The pack's PDF."),
        (409, "application/json"): error("The pack is not ready (queued, running or failed)."),
    })
    @action(detail=True, methods=["get"], renderer_classes=[renderers.JSONRenderer, PDFRenderer])
    def pdf(self, request, pk=None):
        pack = self.get_object()
        if pack.status != PackStatus.READY or not pack.file:
            raise Conflict(f"The pack is {pack.get_status_display().lower()}; download it once it is ready.")
        return attachment(pack.file, filename=pack.download_name, content_type="application/pdf",
                          missing="The pack's file is missing from storage.")
