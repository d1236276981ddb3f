"""Probes and metrics: answered without a session (load balancers and scrapers have none)."""

from django.urls import path

from ops import health, metrics

app_name = "ops"

urlpatterns = [
    path("healthz/", health.healthz, name="healthz"),
    path("readyz/", health.readyz, name="readyz"),
    path("metrics", metrics.metrics, name="metrics"),
]
