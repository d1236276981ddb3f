"""KPI targets against their latest actuals, for many use cases in one query."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import OuterRef, QuerySet, Subquery

from intake.models import KPI
from reviews.models import KPIActual
from reviews.selectors import KPIProgress


def kpi_progress_by_use_case(kpis: QuerySet[KPI]) -> dict[int, list[KPIProgress]]:
    """use case id -> KPIProgress per KPI; the latest actual comes from a correlated subquery, not a prefetch."""
    latest = KPIActual.objects.filter(kpi=OuterRef("pk")).order_by("-measured_on")
    rows = kpis.annotate(
        latest_value=Subquery(latest.values("value")[:1]),
        latest_on=Subquery(latest.values("measured_on")[:1]),
    ).order_by("use_case_id", "id")
    progress: dict[int, list[KPIProgress]] = defaultdict(list)
    for kpi in rows:
        actual = None
        if kpi.latest_on is not None:
            # An unsaved stand-in: KPIProgress only reads its value and date.
            actual = KPIActual(kpi=kpi, value=kpi.latest_value, measured_on=kpi.latest_on)
        progress[kpi.use_case_id].append(KPIProgress(kpi=kpi, latest=actual))
    return dict(progress)
