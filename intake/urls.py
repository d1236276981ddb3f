"""Submitter-facing intake pages (references look like UC-0001)."""

from django.urls import path

from intake import views

app_name = "intake"

urlpatterns = [
    path("", views.use_case_list, name="list"),
    path("new/", views.use_case_new, name="new"),
    path("<str:reference>/", views.use_case_detail, name="detail"),
    path("<str:reference>/edit/", views.use_case_edit, name="edit"),
    path("<str:reference>/submit/", views.use_case_submit, name="submit"),
    path("<str:reference>/withdraw/", views.use_case_withdraw, name="withdraw"),
    path("<str:reference>/tier-override/", views.use_case_override_tier, name="override_tier"),
    path("<str:reference>/pilot-selection/", views.use_case_pilot_selection, name="pilot_selection"),
    path("<str:reference>/raci/", views.use_case_raci, name="raci"),
]
