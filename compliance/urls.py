"""The framework pages; mounted at /compliance/ by config.urls.

``use_case`` is part of the contract: the gate's obligations criterion links to it by name
(``compliance.selectors.obligation_criteria``).
"""

from django.urls import path

from . import views

app_name = "compliance"

urlpatterns = [
    path("", views.index, name="index"),
    path("frameworks/<slug:key>/", views.framework, name="framework"),
    path("requirements/<int:pk>/", views.requirement, name="requirement"),
    path("organisation/", views.organisation, name="organisation"),
    path("use-cases/<str:reference>/", views.use_case, name="use_case"),
    path("obligations/<int:pk>/status/", views.obligation_status, name="obligation_status"),
    path("obligations/<int:pk>/owner/", views.obligation_owner, name="obligation_owner"),
    path("obligations/<int:pk>/link/", views.obligation_link, name="obligation_link"),
    path("obligations/<int:pk>/upload/", views.obligation_upload, name="obligation_upload"),
    path("evidence/<int:pk>/remove/", views.evidence_remove, name="evidence_remove"),
    path("evidence/<int:pk>/download/", views.evidence_download, name="evidence_download"),
]
