"""The portfolio as counts: what the dashboard, the CSV export and section 1 of a pack share.

The live portfolio is every use case past intake that is still being pursued:
drafts, withdrawn and rejected use cases are counted apart.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from django.db.models import Count, F, IntegerField, Max, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from intake.choices import ReviewFunction, RiskTier, Stage, Status
from intake.models import UseCase
from reviews.choices import UNDECIDED_STATUSES
from reviews.models import MitigationStatus, ReadinessScore, Review, Risk

OUT_OF_PORTFOLIO = (Status.DRAFT, Status.WITHDRAWN, Status.REJECTED)
IN_FLIGHT = (Stage.EXPLORATION, Stage.PILOT, Stage.CONTROLLED_ROLLOUT)
FUNNEL = (Stage.EXPLORATION, Stage.PILOT, Stage.CONTROLLED_ROLLOUT, Stage.SCALED)
CLOSED_STAGES = (Stage.STOPPED, Stage.RETIRED)
UNTIERED = "untiered"
TIERS = [*[(t.value, t.label) for t in RiskTier], (UNTIERED, "Not tiered")]


def portfolio() -> QuerySet[UseCase]:
    return UseCase.objects.exclude(status__in=OUT_OF_PORTFOLIO)


def live_risks() -> QuerySet[Risk]:
    """Risks that still matter: not closed, on use cases in the portfolio that are not stopped or retired."""
    use_cases = portfolio().exclude(stage__in=CLOSED_STAGES).values("id")
    return Risk.objects.filter(use_case__in=use_cases).exclude(mitigation_status=MitigationStatus.CLOSED)


def portfolio_summary() -> dict[str, Any]:
    """Counts by stage, tier, stage x tier and business unit: three grouped queries."""
    cells: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in portfolio().values("stage", "risk_tier").annotate(n=Count("id")).order_by():
        cells[row["stage"]][row["risk_tier"] or UNTIERED] += row["n"]
    by_stage = [{"value": s.value, "label": s.label, "n": sum(cells[s.value].values())} for s in Stage]
    by_tier = [{"value": v, "label": label, "n": sum(cells[s][v] for s in cells)} for v, label in TIERS]
    units = (portfolio().values("business_unit__code", "business_unit__name").annotate(n=Count("id"))
             .order_by("business_unit__code"))
    outside = dict(UseCase.objects.filter(status__in=OUT_OF_PORTFOLIO).values("status").annotate(n=Count("id"))
                   .order_by().values_list("status", "n"))
    return {
        "total": sum(row["n"] for row in by_stage),
        "by_stage": by_stage,
        "by_tier": [row for row in by_tier if row["n"] or row["value"] != UNTIERED],
        "tier_by_stage": {s.value: dict(cells[s.value]) for s in Stage},
        "by_unit": [{"code": u["business_unit__code"], "name": u["business_unit__name"], "n": u["n"]}
                    for u in units],
        "outside": [{"label": Status(s).label, "n": outside[s]} for s in OUT_OF_PORTFOLIO if outside.get(s)],
    }


def risk_grid(risks: QuerySet[Risk]) -> list[list[int]]:
    """5x5 counts in the layout of reviews.selectors.risk_heatmap: rows likelihood 5..1, columns impact 1..5."""
    grid = [[0] * 5 for _ in range(5)]
    for row in risks.values("likelihood", "impact").annotate(n=Count("id")).order_by():
        grid[5 - row["likelihood"]][row["impact"] - 1] += row["n"]
    return grid


def review_timeliness(*, since: datetime.datetime, until: datetime.datetime, as_at: datetime.date) -> list[dict]:
    """Per function: reviews open now and overdue, and of those decided in [since, until) how many on time."""
    decided = Q(decided_at__gte=since, decided_at__lt=until)
    undecided = Q(status__in=UNDECIDED_STATUSES)
    rows = {
        row["function"]: row
        for row in Review.objects.filter(use_case__in=portfolio().values("id")).values("function").annotate(
            open=Count("id", filter=undecided),
            overdue=Count("id", filter=undecided & Q(due_date__lt=as_at)),
            decided=Count("id", filter=decided),
            on_time=Count("id", filter=decided & Q(decided_at__date__lte=F("due_date"))),
        ).order_by()
    }
    result = []
    for function in ReviewFunction:
        row = rows.get(function.value, {"open": 0, "overdue": 0, "decided": 0, "on_time": 0})
        rate = round(100 * row["on_time"] / row["decided"]) if row["decided"] else None
        result.append({"function": function.value, "label": function.label, "open": row["open"],
                       "overdue": row["overdue"], "decided": row["decided"], "on_time": row["on_time"],
                       "rate": rate})
    return result


# ---------------------------------------------------------------- CSV export

CSV_COLUMNS = (
    "reference", "title", "business_unit", "status", "stage", "risk_tier", "eu_ai_act_category",
    "portfolio_bucket", "executive_sponsor", "open_reviews", "live_risks", "top_risk_score", "readiness_total",
    "submitted_at", "updated_at",
)


def _count(queryset: QuerySet, column: str = "id", how=Count) -> Subquery:
    """A correlated per-use-case aggregate (0 when there is nothing), so the export stays one query."""
    grouped = queryset.filter(use_case=OuterRef("pk")).order_by().values("use_case")
    return Coalesce(Subquery(grouped.annotate(v=how(column)).values("v")[:1], output_field=IntegerField()),
                    Value(0))


def portfolio_csv_rows() -> Iterator[tuple]:
    """Every use case past intake (any status but draft), one row each, streamed from one query."""
    live = Risk.objects.exclude(mitigation_status=MitigationStatus.CLOSED)
    rows = (
        UseCase.objects.exclude(status=Status.DRAFT)
        .annotate(
            open_reviews=_count(Review.objects.filter(status__in=UNDECIDED_STATUSES)),
            live_risks=_count(live),
            top_risk_score=_count(live.annotate(s=F("likelihood") * F("impact")), "s", how=Max),
            readiness_total=_count(ReadinessScore.objects.all(), "score", how=Sum),
        )
        .order_by("reference")
        .values_list("reference", "title", "business_unit__code", "status", "stage", "risk_tier",
                     "eu_ai_act_category", "portfolio_bucket__code", "executive_sponsor__username",
                     "open_reviews", "live_risks", "top_risk_score", "readiness_total", "submitted_at", "updated_at")
    )
    return rows.iterator(chunk_size=1000)

