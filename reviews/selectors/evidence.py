"""Reads of gate evidence: readiness, checklist, risks, KPIs, and the gate criteria."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Prefetch, QuerySet

from intake.choices import KPIDirection
from intake.models import KPI, UseCase
from reviews.models import (
    GAP_BELOW,
    ChecklistEntry,
    ChecklistItem,
    GapClosureAction,
    GovernancePolicy,
    Incident,
    KPIActual,
    ReadinessArea,
    ReadinessBand,
    ReadinessScore,
    Risk,
)

from .gate_reviews import checklist_derivations
from .policy import critical_area_ids, policy_in_force


@dataclass(frozen=True)
class ReadinessSummary:
    rows: list[tuple[ReadinessArea, ReadinessScore | None]]
    total: int
    complete: bool
    band: ReadinessBand | None
    blocking_areas: list[str]  # the policy's critical areas below its minimum (or unscored)
    unreviewed_ones: list[str]  # areas scored 1 without an independent recorded review
    policy: GovernancePolicy

    @property
    def gate_blocked(self) -> bool:
        return bool(self.blocking_areas)

    @property
    def passes(self) -> bool:
        """Good enough for controlled rollout (section 4 bands plus the critical-area rule); an area scored 1
        without its independent review is a criterion of its own (``gates``)."""
        allows = self.band is not None and self.band.allows_controlled_rollout
        return self.complete and allows and not self.blocking_areas


def band_for(total: int, bands: list[ReadinessBand], policy: GovernancePolicy) -> ReadinessBand | None:
    """The band of a complete scorecard's total, where the policy's cut-offs put it."""
    key = policy.band_key(total)
    return next((band for band in bands if band.key == key), None)


def readiness_summary(use_case: UseCase, policy: GovernancePolicy | None = None) -> ReadinessSummary:
    policy = policy or policy_in_force()
    critical = critical_area_ids(policy)
    areas = list(ReadinessArea.objects.order_by("order", "key"))
    scores = {s.area_id: s for s in ReadinessScore.objects.filter(use_case=use_case).select_related(
        "explicit_review_by")}
    rows = [(area, scores.get(area.id)) for area in areas]
    total = sum(s.score for _, s in rows if s)
    complete = all(s is not None for _, s in rows)
    blocking = [a.name for a, s in rows if a.id in critical and (s is None or s.score < policy.critical_minimum)]
    unreviewed = [a.name for a, s in rows if s is not None and s.score == 1 and not s.explicit_review_independent]
    band = band_for(total, list(ReadinessBand.objects.all()), policy) if complete else None
    return ReadinessSummary(rows, total, complete, band, blocking, unreviewed, policy)


@dataclass(frozen=True)
class GapPlan:
    """The gap-closure plan against the scorecard: each area below 4 with its action, or without one."""

    rows: list[tuple[ReadinessArea, ReadinessScore, GapClosureAction | None]]

    @property
    def missing(self) -> list[str]:
        return [area.name for area, _score, action in self.rows if action is None]


def gap_plan(use_case: UseCase, readiness: ReadinessSummary) -> GapPlan:
    actions = {a.area_id: a for a in GapClosureAction.objects.filter(use_case=use_case).select_related("owner")}
    return GapPlan([(area, score, actions.get(area.id)) for area, score in readiness.rows
                    if score is not None and score.score < GAP_BELOW])


@dataclass(frozen=True)
class ChecklistSummary:
    rows: list[tuple[ChecklistItem, ChecklistEntry | None]]
    # Items that follow review decisions (ChecklistItem.review_functions), never ticked: id -> (ready, why).
    derived: dict[int, tuple[bool, str]] = field(default_factory=dict)

    def item_ready(self, item: ChecklistItem, entry: ChecklistEntry | None) -> bool:
        if item.id in self.derived:
            return self.derived[item.id][0]
        return entry is not None and entry.ready

    @property
    def not_ready(self) -> list[str]:
        return [item.name for item, entry in self.rows if not self.item_ready(item, entry)]

    @property
    def ticked_not_ready(self) -> list[str]:
        """The team's items not ready (the derived ones are the reviews' criterion at the gate)."""
        return [item.name for item, entry in self.rows if item.id not in self.derived
                and not self.item_ready(item, entry)]

    @property
    def all_ready(self) -> bool:
        return not self.not_ready

    def is_ready(self, key: str) -> bool:
        return any(item.key == key and self.item_ready(item, entry) for item, entry in self.rows)


def checklist_summary(use_case: UseCase) -> ChecklistSummary:
    entries = {e.item_id: e for e in ChecklistEntry.objects.filter(use_case=use_case)}
    items = list(ChecklistItem.objects.order_by("order"))
    return ChecklistSummary([(item, entries.get(item.id)) for item in items], checklist_derivations(use_case, items))


def risks_for(use_case: UseCase) -> QuerySet[Risk]:
    return Risk.objects.filter(use_case=use_case).select_related("owner").order_by("-likelihood", "-impact", "id")


def risk_heatmap(risks: list[Risk]) -> list[list[int]]:
    """5x5 counts: rows likelihood 5..1 (top is most likely), columns impact 1..5."""
    grid = [[0] * 5 for _ in range(5)]
    for risk in risks:
        grid[5 - risk.likelihood][risk.impact - 1] += 1
    return grid


@dataclass(frozen=True)
class KPIProgress:
    kpi: KPI
    latest: KPIActual | None
    actuals: list[KPIActual] = field(default_factory=list)

    @property
    def met(self) -> bool:
        if self.latest is None:
            return False
        if self.kpi.direction == KPIDirection.DECREASE:
            return self.latest.value <= self.kpi.target
        return self.latest.value >= self.kpi.target

    @property
    def progress_pct(self) -> int | None:
        """Share of the way from baseline to target the latest actual has gone."""
        if self.latest is None or self.kpi.target == self.kpi.baseline:
            return None
        moved = (self.latest.value - self.kpi.baseline) / (self.kpi.target - self.kpi.baseline)
        return int((moved * Decimal(100)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def kpi_progress(use_case: UseCase) -> list[KPIProgress]:
    kpis = KPI.objects.filter(use_case=use_case).select_related("owner").prefetch_related(
        Prefetch("actuals", queryset=KPIActual.objects.order_by("-measured_on"))
    ).order_by("id")
    progress = []
    for kpi in kpis:
        actuals = list(kpi.actuals.all())
        progress.append(KPIProgress(kpi=kpi, latest=actuals[0] if actuals else None, actuals=actuals))
    return progress


def incidents_for(use_case: UseCase) -> QuerySet[Incident]:
    return Incident.objects.filter(use_case=use_case).select_related("reported_by").order_by("severity", "-occurred_at")
