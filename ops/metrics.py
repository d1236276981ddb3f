"""GET /metrics: Prometheus text for a scraper holding METRICS_TOKEN or inside METRICS_ALLOWED_NETWORKS.

Anyone else gets the same 404 as a site without metrics: a wrong or missing token never tells a prober
that the endpoint exists (docs/decisions/metrics-and-logs.md).
"""

from __future__ import annotations

import hmac
import ipaddress
import os

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.views.decorators.csrf import csrf_exempt
from prometheus_client import REGISTRY, CollectorRegistry, multiprocess
from prometheus_client.exposition import choose_encoder

from intake.auth import client_ip
from ops.collectors import BusinessCollector, QueueCollector, TaskCollector


def _bearer_token(request: HttpRequest) -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _token_ok(request: HttpRequest) -> bool:
    expected = settings.METRICS_TOKEN
    # Compared as bytes: hmac.compare_digest refuses non-ASCII str, and a header may carry any byte.
    return bool(expected) and hmac.compare_digest(_bearer_token(request).encode(), expected.encode())


def _network_ok(request: HttpRequest) -> bool:
    if not settings.METRICS_ALLOWED_NETWORKS:
        return False
    address = client_ip(request)
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(network, strict=False) for network in settings.METRICS_ALLOWED_NETWORKS)


def allowed(request: HttpRequest) -> bool:
    """The right bearer token, or a client address inside METRICS_ALLOWED_NETWORKS."""
    return _token_ok(request) or _network_ok(request)


def scrape_registry() -> CollectorRegistry:
    """This scrape's collectors: the web processes' counters, then what is computed now.

    With PROMETHEUS_MULTIPROC_DIR set (several gunicorn workers), the counters of every worker process
    are read from that directory; without it, this process's own.
    """
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(REGISTRY)
    for collector in (BusinessCollector(), TaskCollector(), QueueCollector()):
        registry.register(collector)
    return registry


@csrf_exempt
@login_not_required
def metrics(request: HttpRequest) -> HttpResponse:
    if not allowed(request):
        raise Http404
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    encoder, content_type = choose_encoder(request.headers.get("Accept", ""))
    response = HttpResponse(encoder(scrape_registry()), content_type=content_type)
    response["Cache-Control"] = "no-store"
    return response
