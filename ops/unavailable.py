"""A database that cannot be reached answers 503 "try again shortly", never a 500.

While PostgreSQL restarts, a request either loses its connection mid-query or cannot open one:
Django raises OperationalError or InterfaceError. Those are the service being briefly unavailable,
not a bug, so the answer is 503 with Retry-After (load balancers and API clients know to retry), a
few words for people and ``{"detail": ...}`` for the API. Nothing here touches the database, the
session or the cache. The next request opens a fresh connection (CONN_HEALTH_CHECKS, settings), so
service resumes by itself once the database is back.

A view's exception reaches ``process_exception``. One raised before the view (a middleware loading
the session, say) has already been turned into a 500 by Django's handler when it reaches us; Django
sends ``got_request_exception`` while handling it, and the receiver below marks the request so the
500 is answered as a 503 instead.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 10
MESSAGE = "Service temporarily unavailable: the database cannot be reached. Please try again in a few seconds."
# Set on a request whose handling raised a database error outside the view.
MARK = "database_unavailable"

PAGE = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Service temporarily unavailable</title></head>
<body><h1>Service temporarily unavailable</h1><p>{MESSAGE}</p></body></html>
"""


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", "")


def unavailable_response(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After: JSON for the API and JSON clients, a short page for people."""
    if _wants_json(request):
        response: HttpResponse = JsonResponse({"detail": MESSAGE}, status=503)
    else:
        response = HttpResponse(PAGE, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def _note_database_error(sender, request: HttpRequest | None = None, **kwargs) -> None:
    # Sent from inside Django's exception handling, so the exception being handled is the current one.
    if request is not None and isinstance(sys.exception(), DATABASE_ERRORS):
        setattr(request, MARK, True)


got_request_exception.connect(_note_database_error, dispatch_uid="ops-unavailable-database")


class DatabaseUnavailableMiddleware:
    """Answer 503 for a request that failed because the database could not be reached."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            response = self.get_response(request)
        except DATABASE_ERRORS as exc:  # only when no handler inside converted it (e.g. DEBUG_PROPAGATE_EXCEPTIONS)
            return self._unavailable(request, exc)
        if getattr(request, MARK, False) and response.status_code >= 500:
            return self._unavailable(request, None)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DATABASE_ERRORS):
            return self._unavailable(request, exception)
        return None

    def _unavailable(self, request: HttpRequest, exc: Exception | None) -> HttpResponse:
        logger.warning("Database unavailable: %s %s answered 503 (%s)", request.method, request.path,
                       exc or "raised before the view")
        return unavailable_response(request)
