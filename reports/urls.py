"""The PMO's pages: board packs, the portfolio dashboard and its compliance view; mounted at /reports/ by
config.urls."""

from django.urls import path

from reports import compliance_views, views

app_name = "reports"

urlpatterns = [
    path("", views.pack_list, name="list"),
    path("status/", views.pack_status, name="status"),
    path("<int:pk>/pdf/", views.pack_download, name="download"),
    path("<int:pk>/retry/", views.pack_retry, name="retry"),
    path("portfolio/", views.portfolio, name="portfolio"),
    path("portfolio.csv", views.portfolio_csv, name="portfolio_csv"),
    path("compliance/", compliance_views.compliance, name="compliance"),
    path("compliance.csv", compliance_views.compliance_csv, name="compliance_csv"),
    path("compliance-use-cases.csv", compliance_views.compliance_use_cases_csv, name="compliance_use_cases_csv"),
]
