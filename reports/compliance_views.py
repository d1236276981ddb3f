"""The portfolio's compliance with the AI frameworks, beside the portfolio dashboard: coverage by framework,
the organisation's own register, the requirements least covered, the use cases furthest behind and the
application dates ahead; as CSV, the counts by requirement and by use case.

Whoever may see the portfolio dashboard may see these (``reports.permissions``, ``Action.VIEW``); anyone
else is told they are not there. Every number is ``compliance.portfolio``'s (``portfolio_compliance``,
``use_case_coverage``, ``organisation_coverage``: ``framework_totals``' count) over the use cases the person
sees: this module lays them out and counts nothing itself.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from compliance.portfolio import (
    BEHIND_LIMIT,
    PortfolioCompliance,
    RequirementCoverage,
    UseCaseFrameworkCoverage,
    portfolio_compliance,
    use_case_coverage,
)

from .views import csv_lines, require_viewer

CSV_COLUMNS = ("framework", "identifier", "title", "applies_from", "required_before", "required_before_label",
               "applicable_use_cases", "met", "percent")
USE_CASE_CSV_COLUMNS = ("reference", "title", "risk_tier", "eu_ai_act_category", "stage", "framework",
                        "applicable", "satisfied", "percent", "missing")
MISSING_SEPARATOR = "; "
SHOW_ALL = "all"  # ?behind=all lists every use case behind, not only the first BEHIND_LIMIT


def _frameworks(data: PortfolioCompliance) -> list[dict[str, Any]]:
    """Each framework's coverage with its requirements, least covered first (the selector's order)."""
    return [{"coverage": row,
             "requirements": [{"item": item, "percent": item.percent}
                              for item in data.requirements.get(row.framework.pk, [])]}
            for row in data.frameworks]


@require_GET
def compliance(request: HttpRequest) -> HttpResponse:
    require_viewer(request)
    today = timezone.localdate()
    show_all = request.GET.get("behind") == SHOW_ALL
    data = portfolio_compliance(request.user, today=today, behind_limit=None if show_all else BEHIND_LIMIT)
    return render(request, "reports/compliance.html", {
        "today": today, "data": data, "frameworks": _frameworks(data), "show_all": show_all,
        "behind_limit": BEHIND_LIMIT, "behind_cut": len(data.behind) < data.behind_total,
    })


def _csv_rows(data: PortfolioCompliance) -> list[tuple]:
    """One row per (framework, requirement) applicable somewhere, in the framework's own order."""
    rows = []
    for row in data.frameworks:
        items: list[RequirementCoverage] = sorted(data.requirements.get(row.framework.pk, []),
                                                  key=lambda item: (item.requirement.order, item.requirement.pk))
        for item in items:
            requirement = item.requirement
            rows.append((row.framework.key, requirement.identifier, requirement.title, requirement.applies_from,
                         requirement.required_before,
                         requirement.get_required_before_display() if requirement.required_before else "",
                         item.applicable, item.met, item.percent))
    return rows


def _use_case_csv_rows(rows: Iterable[UseCaseFrameworkCoverage]) -> list[tuple]:
    """One row per (use case, framework) with a register, by reference then framework."""
    return [(row.use_case.reference, row.use_case.title, row.use_case.risk_tier, row.use_case.eu_ai_act_category,
             row.use_case.stage, row.framework.key, row.applicable, row.met, row.percent,
             MISSING_SEPARATOR.join(row.missing)) for row in rows]


def _csv_response(columns: tuple[str, ...], rows: list[tuple], name: str,
                  today: datetime.date) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_lines(columns, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="stagegate-{name}-{today:%Y-%m-%d}.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def compliance_csv(request: HttpRequest) -> StreamingHttpResponse:
    require_viewer(request)
    today = timezone.localdate()
    return _csv_response(CSV_COLUMNS, _csv_rows(portfolio_compliance(request.user, today=today)), "compliance",
                         today)


@require_GET
def compliance_use_cases_csv(request: HttpRequest) -> StreamingHttpResponse:
    require_viewer(request)
    today = timezone.localdate()
    return _csv_response(USE_CASE_CSV_COLUMNS, _use_case_csv_rows(use_case_coverage(request.user, today=today)),
                         "compliance-use-cases", today)
