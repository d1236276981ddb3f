"""/api/v1/ (the REST API), /api/schema/ (OpenAPI 3) and /api/docs/ (Swagger UI)."""

from django.contrib.auth.decorators import login_not_required
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from api.views.artefacts import ArtefactViewSet, upload_path
from api.views.auth import TokenView
from api.views.base import NotFoundView
from api.views.board_packs import BoardPackViewSet
from api.views.compliance import FrameworkViewSet, ObligationViewSet, compliance_paths
from api.views.dossiers import DossierViewSet, UseCaseDossiersView, UseCaseLatestDossierView
from api.views.gaps import GapClosureActionViewSet
from api.views.pilots import PilotViewSet
from api.views.policy import PolicyView
from api.views.records import GateDecisionViewSet, IncidentViewSet, KPIViewSet, ReviewViewSet, RiskViewSet
from api.views.reference import (
    AIModelViewSet,
    BusinessUnitViewSet,
    DeletionViewSet,
    StrategicOutcomeViewSet,
    VendorAssessmentViewSet,
    VendorViewSet,
)
from api.views.risk_acceptances import RiskAcceptanceViewSet
from api.views.usecases import UseCaseViewSet
from api.views.value import UseCaseValueView

app_name = "api"

router = SimpleRouter()
router.register("use-cases", UseCaseViewSet, basename="use-case")
router.register("reviews", ReviewViewSet, basename="review")
router.register("gate-decisions", GateDecisionViewSet, basename="gate-decision")
router.register("risks", RiskViewSet, basename="risk")
router.register("kpis", KPIViewSet, basename="kpi")
router.register("incidents", IncidentViewSet, basename="incident")
router.register("gap-closure-actions", GapClosureActionViewSet, basename="gap-closure-action")
router.register("artefacts", ArtefactViewSet, basename="artefact")
router.register("risk-acceptances", RiskAcceptanceViewSet, basename="risk-acceptance")
router.register("vendors", VendorViewSet, basename="vendor")
router.register("vendor-assessments", VendorAssessmentViewSet, basename="vendor-assessment")
router.register("models", AIModelViewSet, basename="model")
router.register("business-units", BusinessUnitViewSet, basename="business-unit")
router.register("outcomes", StrategicOutcomeViewSet, basename="outcome")
router.register("board-packs", BoardPackViewSet, basename="board-pack")
router.register("dossiers", DossierViewSet, basename="dossier")
router.register("deletions", DeletionViewSet, basename="deletion")
router.register("frameworks", FrameworkViewSet, basename="framework")
router.register("obligations", ObligationViewSet, basename="obligation")
router.register("pilots", PilotViewSet, basename="pilot")

urlpatterns = [
    path("v1/auth/token/", TokenView.as_view(), name="token"),
    path("v1/policy/", PolicyView.as_view(), name="policy"),
    upload_path(),
    *compliance_paths(),
    re_path(r"^v1/use-cases/(?P<reference>[A-Za-z0-9_-]{1,20})/dossiers/$", UseCaseDossiersView.as_view(),
            name="use-case-dossiers"),
    re_path(r"^v1/use-cases/(?P<reference>[A-Za-z0-9_-]{1,20})/dossier/$", UseCaseLatestDossierView.as_view(),
            name="use-case-dossier"),
    re_path(r"^v1/use-cases/(?P<reference>[A-Za-z0-9_-]{1,20})/value/$", UseCaseValueView.as_view(),
            name="use-case-value"),
    path("v1/", include(router.urls)),
    path("schema/", login_not_required(SpectacularAPIView.as_view()), name="schema"),
    # The split view serves Swagger UI's start-up script as a file (/api/docs/?script), so the
    # page runs under the site's Content-Security-Policy with no inline script.
    path("docs/", login_not_required(SpectacularSwaggerSplitView.as_view(url_name="api:schema")), name="docs"),
    # Anything else under /api/ is a JSON 404, like every other API error.
    re_path(r"^", NotFoundView.as_view(), name="not-found"),
]
