"""The pilot triage page: Exploration candidates ranked by pilot-selection total, for the PMO and
governance admins. Anyone else is told "not found", as on the other PMO pages, so it does not leak."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from reviews.selectors import triage as selectors


@require_GET
def triage(request: HttpRequest) -> HttpResponse:
    if not selectors.may_triage(request.user):
        raise Http404("No such page.")
    return render(request, "reviews/triage.html", {"triage": selectors.triage(request.user)})
