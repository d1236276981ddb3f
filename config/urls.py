from django.contrib import admin
from django.contrib.auth.views import PasswordResetView
from django.urls import include, path
from django.views.generic import RedirectView

from intake.login_limits import RateLimitedPasswordResetForm
from reports import dossier_views

urlpatterns = [
    # Probes and metrics (ops): /healthz/, /readyz/, /metrics.
    path("", include("ops.urls")),
    path("", RedirectView.as_view(pattern_name="intake:list", permanent=False)),
    # Sign-in, sign-out, the admin's login and single sign-on (identity.urls_oidc), ahead of Django's own.
    path("", include("identity.urls_oidc")),
    # Django's reset page, with its emails limited per address and per client (intake.login_limits).
    path("accounts/password_reset/", PasswordResetView.as_view(form_class=RateLimitedPasswordResetForm),
         name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    # The audit dossier of a use case (reports.dossier_views), ahead of intake's own pages.
    path("intake/<str:reference>/dossier/", dossier_views.dossier_page, name="use_case_dossier"),
    path("intake/<str:reference>/dossier.pdf", dossier_views.dossier_pdf, name="use_case_dossier_pdf"),
    path("intake/", include("intake.urls")),
    path("reviews/", include("reviews.urls")),
    path("compliance/", include("compliance.urls")),
    path("reports/", include("reports.urls")),
    path("api/", include("api.urls")),
    path("scim/v2/", include("identity.scim_urls")),
]
