"""Audit dossiers: the PDF of one use case's whole record for an auditor. Whoever may see the use case may
ask for its dossier and read it; anyone else is told neither exists (404). Rendering is a Celery task,
hence 202, as for board packs (api.views.board_packs)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import renderers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from api.etags import etag_for
from api.exceptions import Conflict
from api.schema import error
from api.serializers.dossiers import DossierSerializer
from api.views.base import ApiView, GenericViewSet
from api.views.board_packs import PDFRenderer
from api.views.usecases import REFERENCE
from config.downloads import attachment
from intake import permissions as intake_permissions
from reports import dossiers
from reports.models import Dossier, PackStatus

USE_CASE_REFERENCE = OpenApiParameter("reference", OpenApiTypes.STR, OpenApiParameter.PATH, pattern=f"^{REFERENCE}$",
                                      description="The use case's reference, e.g. UC-0001.")


def _read(dossier: Dossier, request, code: int = status.HTTP_200_OK) -> Response:
    response = Response(DossierSerializer(dossier, context={"request": request}).data, status=code)
    response["ETag"] = etag_for(dossier)
    return response


class DossierViewSet(GenericViewSet):
    """One dossier's status, and its PDF once ready."""

    serializer_class = DossierSerializer
    queryset = Dossier.objects.none()  # for the schema; dossiers.dossier_for checks each one
    lookup_value_regex = r"[0-9]{1,18}"
    sync_field = "updated_at"
    etag_actions = ("retrieve",)

    def handle_exception(self, exc):
        # Errors are JSON even when the client asked for the PDF: never a JSON body labelled application/pdf.
        if isinstance(getattr(self.request, "accepted_renderer", None), PDFRenderer):
            self.request.accepted_renderer = renderers.JSONRenderer()
            self.request.accepted_media_type = renderers.JSONRenderer.media_type
        return super().handle_exception(exc)

    def get_object(self) -> Dossier:
        return dossiers.dossier_for(self.request.user, int(self.kwargs["pk"]))

    @extend_schema(summary="One audit dossier: where it is on its way to a PDF")
    def retrieve(self, request, pk=None):
        return _read(self.get_object(), request)

    # Errors are JSON whatever the Accept header (handle_exception; api.schema declares them so).
    @extend_schema(summary="Download the dossier's PDF", responses={
        (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The dossier's PDF."),
        (409, "application/json"): error("The dossier is not ready (queued, running or failed)."),
    })
    @action(detail=True, methods=["get"], renderer_classes=[renderers.JSONRenderer, PDFRenderer])
    def pdf(self, request, pk=None):
        dossier = self.get_object()
        if dossier.status != PackStatus.READY or not dossier.file:
            raise Conflict(f"The dossier is {dossier.get_status_display().lower()}; download it once it is ready.")
        return attachment(dossier.file, filename=dossier.download_name, content_type="application/pdf",
                          missing="The dossier's file is missing from storage.")


class UseCaseDossiersView(ApiView):
    """POST /api/v1/use-cases/{reference}/dossiers/: ask for a new dossier of the use case."""

    queryset = Dossier.objects.none()

    @extend_schema(summary="Ask for the use case's audit dossier", request=None, parameters=[USE_CASE_REFERENCE],
                   responses={202: DossierSerializer},
                   description="Queues the dossier and answers at once; follow it at GET /api/v1/dossiers/{id}/ "
                               "and download it from its pdf link once ready. While one is still queued, that one "
                               "is returned rather than a second.")
    def post(self, request, reference: str):
        use_case = intake_permissions.use_case_for(request.user, reference)
        dossier = dossiers.dossier_request(use_case=use_case, actor=request.user)
        dossier = Dossier.objects.select_related("use_case", "requested_by").get(pk=dossier.pk)
        return _read(dossier, request, status.HTTP_202_ACCEPTED)


class UseCaseLatestDossierView(ApiView):
    """GET /api/v1/use-cases/{reference}/dossier/: the use case's latest dossier, whatever its status."""

    queryset = Dossier.objects.none()

    @extend_schema(summary="The use case's latest audit dossier", parameters=[USE_CASE_REFERENCE],
                   responses={200: DossierSerializer},
                   description="The most recently requested dossier (queued, running, ready or failed); 404 when "
                               "none has been asked for.")
    def get(self, request, reference: str):
        use_case = intake_permissions.use_case_for(request.user, reference)
        dossier = (Dossier.objects.filter(use_case=use_case).select_related("use_case", "requested_by")
                   .order_by("-requested_at", "-id").first())
        if dossier is None:
            raise NotFound(f"{use_case.reference} has no audit dossier yet: ask for one with POST "
                           f"/api/v1/use-cases/{use_case.reference}/dossiers/.")
        return _read(dossier, request)
