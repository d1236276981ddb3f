"""Value measured against spend, and measurements that are overdue (governance model, section 9).

One reading of value serves the use-case page, the portfolio dashboard, the board pack and the API,
so the figures they show cannot disagree:

- **realised value** of a use case, as of a day: for each of its KPIs with a monetary value per unit
  (``unit_value``) and at least one actual measured on or before that day, the improvement of the latest
  such actual over the baseline, times ``unit_value``; summed over those KPIs. The improvement is signed
  by the KPI's direction: ``latest - baseline`` when higher is better, ``baseline - latest`` when lower is
  better, so a KPI that got worse subtracts value. KPIs without a unit value, or not yet measured, add
  nothing. Rounded to cents.
- **spend**: the sum of the actual spend of its cost entries for months starting on or before that day
  (every budget category); **budget** likewise.
- **ROI**: ``(realised value - spend) / spend``, a ratio to four places (0.25 is 25 %); None without spend.

Everything is computed for many use cases in a fixed number of queries, whatever their number.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Max, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from intake.choices import KPIDirection, Stage, Status
from intake.models import KPI, UseCase
from reviews.models import CADENCE_DAYS, CostEntry, GateDecision, KPIActual, MeasurementReminderLog
from reviews.models.evidence import CostCategory

from .policy import policy_in_force

MONEY = Decimal("0.01")
RATIO = Decimal("0.0001")
ZERO = Decimal("0.00")
# KPIs are measured once there is something running to measure; nothing is due before a pilot or after a stop.
MEASURED_STAGES = (Stage.PILOT, Stage.CONTROLLED_ROLLOUT, Stage.SCALED)
NOT_PURSUED = (Status.DRAFT, Status.WITHDRAWN, Status.REJECTED)
NO_OUTCOME = "No strategic outcome"
NO_BUCKET = "No portfolio bucket"

# Rows per fetch of a streamed read: the sweep's memory stays flat whatever the portfolio's size.
CHUNK = 500


def currency() -> str:
    """The currency every monetary figure is in (ISO 4217); one per installation."""
    return settings.STAGEGATE_CURRENCY


@dataclass(frozen=True)
class ValueFigures:
    realised_value: Decimal
    spend: Decimal
    budget: Decimal
    currency: str
    as_of: datetime.date

    @property
    def roi(self) -> Decimal | None:
        if not self.spend:
            return None
        return ((self.realised_value - self.spend) / self.spend).quantize(RATIO)

    @property
    def roi_pct(self) -> Decimal | None:
        roi = self.roi
        return None if roi is None else (roi * 100).quantize(Decimal("0.1"))

    def __add__(self, other: ValueFigures) -> ValueFigures:
        return ValueFigures(self.realised_value + other.realised_value, self.spend + other.spend,
                            self.budget + other.budget, self.currency, self.as_of)

    def as_dict(self) -> dict[str, Any]:
        """The API's contract: exactly these keys."""
        return {"realised_value": self.realised_value, "spend": self.spend, "roi": self.roi,
                "currency": self.currency, "as_of": self.as_of}


def _empty(as_of: datetime.date) -> ValueFigures:
    return ValueFigures(ZERO, ZERO, ZERO, currency(), as_of)


def improvement(*, baseline: Decimal, latest: Decimal, direction: str) -> Decimal:
    """How far the latest actual is better than the baseline (negative when worse)."""
    return baseline - latest if direction == KPIDirection.DECREASE else latest - baseline


def _ids(use_cases: QuerySet[UseCase] | Iterable[int]) -> Any:
    return use_cases.values("id") if isinstance(use_cases, QuerySet) else list(use_cases)


LABELS = ("use_case__strategic_outcome__name", "use_case__portfolio_bucket__name")


def _sums(ids: Any, as_of: datetime.date, labels: dict[int, tuple] | None = None) -> tuple[dict, dict]:
    """(use case id -> realised value, use case id -> spend and budget), in two queries; ``labels``, when
    given, collects each use case's strategic outcome and portfolio bucket from the same rows."""
    extra = LABELS if labels is not None else ()
    latest = KPIActual.objects.filter(kpi=OuterRef("pk"), measured_on__lte=as_of).order_by("-measured_on")
    rows = (KPI.objects.filter(use_case__in=ids, unit_value__isnull=False)
            .annotate(latest=Subquery(latest.values("value")[:1])).filter(latest__isnull=False)
            .values_list("use_case_id", "baseline", "latest", "direction", "unit_value", *extra))
    realised: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for pk, baseline, latest_value, direction, unit_value, *names in rows.iterator(chunk_size=CHUNK):
        realised[pk] += improvement(baseline=baseline, latest=latest_value, direction=direction) * unit_value
        if labels is not None:
            labels[pk] = tuple(names)
    costs = {}
    for row in (CostEntry.objects.filter(use_case__in=ids, period_start__lte=as_of).values("use_case_id", *extra)
                .annotate(spend=Sum("actual"), budget=Sum("budget")).order_by()):
        costs[row["use_case_id"]] = row
        if labels is not None:
            labels[row["use_case_id"]] = tuple(row[name] for name in LABELS)
    return {pk: amount.quantize(MONEY) for pk, amount in realised.items()}, costs


def value_by_use_case(use_cases: QuerySet[UseCase] | Iterable[int], *,
                      as_of: datetime.date | None = None) -> dict[int, ValueFigures]:
    """use case id -> its figures (two queries, however many): every id given in a list; from a queryset,
    those with a priced measurement or a cost (the others are all zero)."""
    as_of = as_of or timezone.localdate()
    ids = _ids(use_cases)
    realised, costs = _sums(ids, as_of)
    keys = ids if isinstance(ids, list) else set(realised) | set(costs)
    return {pk: _figures(pk, realised, costs, as_of) for pk in keys}


def _figures(pk: int, realised: dict, costs: dict, as_of: datetime.date) -> ValueFigures:
    cost = costs.get(pk, {})
    return ValueFigures(realised.get(pk, ZERO), (cost.get("spend") or ZERO).quantize(MONEY),
                        (cost.get("budget") or ZERO).quantize(MONEY), currency(), as_of)


def use_case_value(use_case: UseCase, *, as_of: datetime.date | None = None) -> ValueFigures:
    """One use case's realised value, spend and ROI: what the API's value resource returns."""
    as_of = as_of or timezone.localdate()
    return value_by_use_case([use_case.pk], as_of=as_of)[use_case.pk]


def _grouped(figures: dict[int, ValueFigures], labels: dict[int, tuple], index: int, missing: str,
             as_of: datetime.date) -> list[dict[str, Any]]:
    groups: dict[str, ValueFigures] = {}
    for pk, row in figures.items():
        label = labels[pk][index] or missing
        groups[label] = groups.get(label, _empty(as_of)) + row
    return [{"label": label, "figures": groups[label]}
            for label in sorted(groups, key=lambda name: (name == missing, name))]


def portfolio_value(use_cases: QuerySet[UseCase], *, as_of: datetime.date | None = None) -> dict[str, Any]:
    """The portfolio's totals, by strategic outcome and by portfolio bucket, and each use case's figures
    (``by_use_case``, only those with a priced measurement or a cost), in two queries.

    A group with neither value nor spend is left out: it would only show zeros.
    """
    as_of = as_of or timezone.localdate()
    labels: dict[int, tuple] = {}
    realised, costs = _sums(use_cases.values("id"), as_of, labels)
    figures = {pk: _figures(pk, realised, costs, as_of) for pk in labels}
    total = _empty(as_of)
    for row in figures.values():
        total = total + row
    return {
        "total": total, "currency": currency(), "as_of": as_of, "by_use_case": figures,
        "by_outcome": _grouped(figures, labels, 0, NO_OUTCOME, as_of),
        "by_bucket": _grouped(figures, labels, 1, NO_BUCKET, as_of),
    }


def budget_by_category(use_case: UseCase, *, as_of: datetime.date | None = None) -> list[dict[str, Any]]:
    """Budget against actual spend per budget category, every category listed (one query)."""
    as_of = as_of or timezone.localdate()
    sums = {row["category"]: row for row in CostEntry.objects.filter(use_case=use_case, period_start__lte=as_of)
            .values("category").annotate(budget=Sum("budget"), actual=Sum("actual")).order_by()}
    rows = []
    for category in CostCategory:
        row = sums.get(category.value, {})
        budget, actual = row.get("budget") or ZERO, row.get("actual") or ZERO
        rows.append({"category": category.value, "label": category.label, "budget": budget, "actual": actual,
                     "variance": actual - budget, "recorded": bool(row)})
    return rows


# ---------------------------------------------------------------- measurements


@dataclass(frozen=True)
class OverdueMeasurement:
    kpi_id: int
    name: str
    use_case_id: int
    cadence: str
    last_measured_on: datetime.date | None
    due_on: datetime.date  # the latest due day missed: one reminder each
    days_overdue: int  # since the first day missed


def effective_cadence(kpi_cadence: str, stage: str, policy) -> str:
    """The KPI's own cadence, else the policy's for the stage (weekly during pilot, monthly after)."""
    if kpi_cadence:
        return kpi_cadence
    return policy.pilot_kpi_cadence if stage == Stage.PILOT else policy.live_kpi_cadence


def missed_due(*, anchor: datetime.date, cadence: str, today: datetime.date) -> tuple[datetime.date, int] | None:
    """(latest due day missed, days since the first one) when the measurement after ``anchor`` is missing."""
    days = CADENCE_DAYS[cadence]
    gap = (today - anchor).days
    if gap <= days:
        return None
    return anchor + datetime.timedelta(days=(gap - 1) // days * days), gap - days


def _measured_kpis(kpis: QuerySet[KPI], today: datetime.date) -> QuerySet[KPI]:
    last = KPIActual.objects.filter(kpi=OuterRef("pk"), measured_on__lte=today).order_by("-measured_on")
    stage_since = GateDecision.objects.filter(use_case=OuterRef("use_case")).order_by("-decided_at")
    reminded = (MeasurementReminderLog.objects.filter(kpi=OuterRef("pk")).order_by().values("kpi")
                .annotate(latest=Max("due_on")).values("latest"))
    shortest = min(CADENCE_DAYS.values())
    return (kpis.filter(use_case__stage__in=MEASURED_STAGES).exclude(use_case__status__in=NOT_PURSUED)
            .annotate(last_on=Subquery(last.values("measured_on")[:1]),
                      stage_since=Subquery(stage_since.values("decided_at")[:1]),
                      last_reminded=Subquery(reminded[:1]))
            # Measured within the shortest cadence: never overdue, so never read.
            .filter(Q(last_on__isnull=True) | Q(last_on__lt=today - datetime.timedelta(days=shortest))))


def _anchor(kpi: KPI) -> datetime.date:
    """The last measurement; never measured: since it was defined or its stage began, whichever is later."""
    if kpi.last_on is not None:
        return kpi.last_on
    since = timezone.localdate(kpi.created_at)
    return max(since, timezone.localdate(kpi.stage_since)) if kpi.stage_since else since


def overdue_measurements(kpis: QuerySet[KPI], *, today: datetime.date | None = None,
                         policy=None) -> Iterator[tuple[OverdueMeasurement, datetime.date | None]]:
    """Each overdue measurement among ``kpis``, with the due day last reminded (one query, streamed)."""
    today = today or timezone.localdate()
    policy = policy or policy_in_force()
    rows = (_measured_kpis(kpis, today).order_by("use_case_id", "id")
            .only("id", "name", "use_case_id", "cadence", "created_at", "use_case__stage")
            .select_related("use_case"))
    for kpi in rows.iterator(chunk_size=CHUNK):
        cadence = effective_cadence(kpi.cadence, kpi.use_case.stage, policy)
        missed = missed_due(anchor=_anchor(kpi), cadence=cadence, today=today)
        if missed is not None:
            yield (OverdueMeasurement(kpi.pk, kpi.name, kpi.use_case_id, cadence, kpi.last_on, *missed),
                   kpi.last_reminded)


def measurements_overdue(use_case: UseCase, *, today: datetime.date | None = None) -> list[OverdueMeasurement]:
    """The use case's KPIs whose latest measurement is older than their cadence, longest overdue first."""
    rows = [overdue for overdue, _ in overdue_measurements(KPI.objects.filter(use_case=use_case), today=today)]
    return sorted(rows, key=lambda row: (-row.days_overdue, row.kpi_id))


def impact_due(use_case: UseCase, *, today: datetime.date, policy=None) -> dict[str, Any] | None:
    """When realised value should show (the policy's ``impact_within_days`` after the pilot started) and
    whether that day has passed with none; None before a pilot."""
    if use_case.pilot_start is None:
        return None
    policy = policy or policy_in_force()
    due_on = use_case.pilot_start + datetime.timedelta(days=policy.impact_within_days)
    return {"due_on": due_on, "within_days": policy.impact_within_days, "passed": due_on < today}


def value_panel(use_case: UseCase, *, today: datetime.date | None = None) -> dict[str, Any]:
    """What the use-case page's value panel shows: overdue measurements, value against spend, ROI, when
    impact is due, and budget against spend by category."""
    today = today or timezone.localdate()
    figures = use_case_value(use_case, as_of=today)
    categories = budget_by_category(use_case, as_of=today)
    impact = impact_due(use_case, today=today)
    if impact is not None:
        impact["missed"] = impact["passed"] and figures.realised_value <= 0
    return {
        "overdue": measurements_overdue(use_case, today=today),
        "figures": figures,
        "impact": impact,
        "categories": [row for row in categories if row["recorded"]],
        "measured": use_case.stage in MEASURED_STAGES,
        "currency": figures.currency, "as_of": today,
    }
