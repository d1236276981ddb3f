"""Review and gate-evidence pages outside the admin; mounted at /reviews/ by config.urls.

The names are part of the contract: ``reviews.selectors.gates`` links each gate
criterion to its page by name.
"""

from django.urls import path

from reviews import views
from reviews.views.incident_review import incident_action_add, incident_action_done, incident_assign, incident_review
from reviews.views.pilots import pilot
from reviews.views.registration import register, remediation_done
from reviews.views.risk_acceptance import risk_accept
from reviews.views.triage import triage

app_name = "reviews"

USE_CASE = "use-cases/<str:reference>/"

urlpatterns = [
    path("evidence/<int:pk>/download/", views.evidence_download, name="evidence_download"),
    path("triage/", triage, name="triage"),
    path(USE_CASE, views.use_case_reviews, name="reviews"),
    path(f"{USE_CASE}readiness/", views.readiness, name="readiness"),
    path(f"{USE_CASE}readiness/signoff/", views.readiness_signoff, name="readiness_signoff"),
    path(f"{USE_CASE}readiness/gap-plan/", views.gap_plan, name="gap_plan"),
    path(f"{USE_CASE}checklist/", views.checklist, name="checklist"),
    path(f"{USE_CASE}risks/", views.risks, name="risks"),
    path(f"{USE_CASE}risks/<int:pk>/", views.risk_edit, name="risk_edit"),
    path(f"{USE_CASE}risks/accept/", risk_accept, name="risk_accept"),
    path(f"{USE_CASE}kpis/", views.kpis, name="kpis"),
    path(f"{USE_CASE}incidents/", views.incidents, name="incidents"),
    path(f"{USE_CASE}incidents/<int:pk>/", views.incident_edit, name="incident_edit"),
    path(f"{USE_CASE}incidents/<int:pk>/owner/", incident_assign, name="incident_assign"),
    path(f"{USE_CASE}incidents/<int:pk>/review/", incident_review, name="incident_review"),
    path(f"{USE_CASE}incidents/<int:pk>/actions/", incident_action_add, name="incident_action_add"),
    path(f"{USE_CASE}incidents/<int:pk>/actions/<int:action_pk>/done/", incident_action_done,
         name="incident_action_done"),
    path(f"{USE_CASE}gate/", views.gate, name="gate"),
    path(f"{USE_CASE}gate/reviews/", views.gate_reviews_request, name="gate_reviews_request"),
    path(f"{USE_CASE}pilot/", pilot, name="pilot"),
    path(f"{USE_CASE}register/", register, name="register"),
    path(f"{USE_CASE}remediation/<int:pk>/done/", remediation_done, name="remediation_done"),
    path(f"{USE_CASE}comments/", views.comment, name="comment"),
    path(f"{USE_CASE}evidence/", views.evidence_upload, name="evidence_upload"),
    path(f"{USE_CASE}evidence/<int:pk>/reject/", views.evidence_reject, name="evidence_reject"),
]
