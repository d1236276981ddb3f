"""The portfolio's compliance with the AI frameworks, beside the portfolio dashboard: coverage by framework,
the requirements least covered, the use cases furthest behind and the application dates ahead, and the
same counts as CSV.

Whoever may see the portfolio dashboard may see these (``reports.permissions``, ``Action.VIEW``); anyone
else is told they are not there. Every number is ``compliance.portfolio.portfolio_compliance``'s over
the use cases the person sees: this module lays them out and counts nothing itself.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from compliance.portfolio import PortfolioCompliance, RequirementCoverage, portfolio_compliance

from .views import csv_lines, require_viewer

CSV_COLUMNS = ("framework", "identifier", "title", "applies_from", "required_before", "applicable_use_cases",
               "met", "percent")


def percent(met: int, applicable: int) -> int:
    """Rounded as ``compliance.selectors.FrameworkCoverage.percent``: nothing applicable is nothing missing."""
    return round(100 * met / applicable) if applicable else 100


def _frameworks(data: PortfolioCompliance) -> list[dict[str, Any]]:
    """Each framework's coverage with its requirements, least covered first (the selector's order)."""
    return [{"coverage": row,
             "requirements": [{"item": item, "percent": percent(item.met, item.applicable)}
                              for item in data.requirements.get(row.framework.pk, [])]}
            for row in data.frameworks]


@require_GET
def compliance(request: HttpRequest) -> HttpResponse:
    require_viewer(request)
    today = timezone.localdate()
    data = portfolio_compliance(request.user, today=today)
    return render(request, "reports/compliance.html", {"today": today, "data": data, "frameworks": _frameworks(data)})


def _csv_rows(data: PortfolioCompliance) -> list[tuple]:
    """One row per (framework, requirement) applicable somewhere, in the framework's own order."""
    rows = []
    for row in data.frameworks:
        items: list[RequirementCoverage] = sorted(data.requirements.get(row.framework.pk, []),
                                                  key=lambda item: (item.requirement.order, item.requirement.pk))
        for item in items:
            requirement = item.requirement
            rows.append((row.framework.key, requirement.identifier, requirement.title, requirement.applies_from,
                         requirement.required_before, item.applicable, item.met, percent(item.met, item.applicable)))
    return rows


@require_GET
def compliance_csv(request: HttpRequest) -> StreamingHttpResponse:
    require_viewer(request)
    today = timezone.localdate()
    rows = _csv_rows(portfolio_compliance(request.user, today=today))
    response = StreamingHttpResponse(csv_lines(CSV_COLUMNS, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="stagegate-compliance-{today:%Y-%m-%d}.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
