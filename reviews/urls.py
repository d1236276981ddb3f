"""Review pages outside the admin; mounted at /reviews/ by config.urls."""

from django.urls import path

from reviews import views

app_name = "reviews"

urlpatterns = [
    path("evidence/<int:pk>/download/", views.evidence_download, name="evidence_download"),
]
