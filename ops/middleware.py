"""Request ids on every response, database query counters, and django-prometheus' request metrics with a
bounded method label."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

import structlog
from django.db import connections
from django.http import HttpRequest, HttpResponse
from django_prometheus.middleware import PrometheusAfterMiddleware
from prometheus_client import Counter, Histogram

from ops import logs

REQUEST_ID_HEADER = "X-Request-ID"
# What a caller's id may be: short, and nothing that could forge a log line or a header (no quotes,
# spaces, control characters or newlines). Anything else is replaced, not cleaned.
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,200}")


def request_id_for(request: HttpRequest) -> str:
    """The caller's X-Request-ID when it is a valid one, else a new random one."""
    sent = request.META.get("HTTP_X_REQUEST_ID", "")
    return sent if _VALID_REQUEST_ID.fullmatch(sent) else str(uuid.uuid4())


class RequestIdMiddleware:
    """First of all middleware, so every response carries X-Request-ID, also those answered before the
    view (static files, redirects, lockouts) and error pages.

    The validated id replaces the header the request came with: django-structlog reads it from there
    (DJANGO_STRUCTLOG_TRUST_UPSTREAM_REQUEST_ID), as does any later code. It is bound for the whole request
    so log lines written before django-structlog's middleware carry it too.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        logs.connect_request_logging()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_for(request)
        request.META["HTTP_X_REQUEST_ID"] = request_id
        with structlog.contextvars.bound_contextvars(request_id=request_id):
            response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response


DB_QUERIES = Counter("stagegate_db_queries", "Database queries run by web requests.", ["alias", "vendor"])
DB_QUERY_ERRORS = Counter("stagegate_db_query_errors", "Database queries of web requests that raised.",
                          ["alias", "vendor", "error"])
DB_QUERY_SECONDS = Histogram("stagegate_db_query_duration_seconds", "How long web requests' queries took.",
                             ["alias", "vendor"], buckets=(0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0))


class _QueryObserver:
    """A connection.execute_wrapper counting and timing each query of one connection."""

    def __init__(self, alias: str, vendor: str) -> None:
        self.labels = {"alias": alias, "vendor": vendor}

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        except Exception as exc:
            DB_QUERY_ERRORS.labels(error=type(exc).__name__, **self.labels).inc()
            raise
        finally:
            DB_QUERIES.labels(**self.labels).inc()
            DB_QUERY_SECONDS.labels(**self.labels).observe(time.perf_counter() - started)


class QueryMetricsMiddleware:
    """Counts the database queries of each request, on every configured database (Django's public
    execute_wrapper: the database ENGINE stays Django's own)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with ExitStack() as stack:
            for connection in connections.all():
                stack.enter_context(connection.execute_wrapper(_QueryObserver(connection.alias, connection.vendor)))
            return self.get_response(request)


_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"})


class RequestMetricsMiddleware(PrometheusAfterMiddleware):
    """django-prometheus' per-view metrics, with any other method than HTTP's own counted as one label:
    a client inventing methods must not create a time series for each."""

    def label_metric(self, metric: Any, request: HttpRequest, response: Any = None, **labels: Any) -> Any:
        if "method" in labels and labels["method"] not in _METHODS:
            labels["method"] = "<invalid method>"
        return super().label_metric(metric, request, response, **labels)
