"""Reads for the intake app: querysets with what their pages need."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from intake.models import (
    KPI,
    EuAiActObligation,
    HardFloor,
    RaciAssignment,
    RiskDimension,
    RiskMatrixVersion,
    TierRequirement,
    TierThreshold,
    UseCase,
    UseCaseEvent,
)


def matrix_snapshot_live() -> dict:
    """The live (editable) matrix as a plain dict, the shape versions store."""
    dimensions = RiskDimension.objects.prefetch_related("options").order_by("order", "key")
    floors = HardFloor.objects.filter(active=True).prefetch_related("conditions").order_by("name")
    return {
        "dimensions": [
            {
                "key": d.key,
                "name": d.name,
                "options": sorted(
                    ({"field": o.answer_field, "value": o.answer_value, "points": o.points} for o in d.options.all()),
                    key=lambda o: (o["field"], o["value"]),
                ),
            }
            for d in dimensions
        ],
        "thresholds": [
            {"tier": t.tier, "min_score": t.min_score} for t in TierThreshold.objects.order_by("min_score")
        ],
        "floors": [
            {
                "name": f.name,
                "minimum_tier": f.minimum_tier,
                "conditions": sorted(
                    (
                        {"field": c.answer_field, "operator": c.operator, "value": c.value}
                        for c in f.conditions.all()
                    ),
                    key=lambda c: (c["field"], c["operator"], c["value"]),
                ),
            }
            for f in floors
        ],
    }


def matrix_current_version() -> RiskMatrixVersion | None:
    return RiskMatrixVersion.objects.order_by("-number").first()


def use_case_list(*, queryset: QuerySet[UseCase]) -> QuerySet[UseCase]:
    """Rows for list pages: one query, no per-row lookups."""
    return queryset.select_related("business_unit").order_by("-updated_at", "-id")


def use_case_detail(*, queryset: QuerySet[UseCase]) -> QuerySet[UseCase]:
    return queryset.select_related(
        "business_unit",
        "strategic_outcome",
        "portfolio_bucket",
        "business_owner",
        "delivery_owner",
        "executive_sponsor",
        "matrix_version",
        "tier_override_by",
        "created_by",
        "pilot_selection",
        "pilot_selection__scored_by",
    ).prefetch_related(
        Prefetch("kpis", queryset=KPI.objects.order_by("id")),
        Prefetch("events", queryset=UseCaseEvent.objects.select_related("actor").order_by("created_at", "id")),
    )


def eu_ai_act_obligations(category: str | None) -> QuerySet[EuAiActObligation]:
    return EuAiActObligation.objects.filter(category=category or "").order_by("applies_from")


def required_review_functions(use_case: UseCase) -> dict[str, int]:
    """Review functions the use case's tier requires, with each one's SLA in days."""
    if use_case.risk_tier not in ("low", "medium", "high"):
        return {}
    requirements = TierRequirement.objects.filter(tier=use_case.risk_tier)
    has_vendor = _depends_on_vendor(use_case)
    return {r.function: r.sla_days for r in requirements if has_vendor or not r.only_with_vendor}


def _depends_on_vendor(use_case: UseCase) -> bool:
    # The vendor registry lands with the vendors issue; until then no dependency.
    vendors = getattr(use_case, "vendors", None)
    return bool(vendors is not None and vendors.exists())


def raci_for(use_case: UseCase) -> QuerySet[RaciAssignment]:
    return use_case.raci.select_related("activity", "user", "group").order_by("activity__order", "letter", "id")


def raci_grid(use_case: UseCase) -> dict:
    """Activities by parties: {"parties": [...], "rows": [(activity, [letters per party])]}."""
    assignments = list(raci_for(use_case))
    parties: dict[tuple[str, int], str] = {}
    for a in assignments:
        key = ("user", a.user_id) if a.user_id else ("group", a.group_id)
        parties.setdefault(key, a.user.get_full_name() or a.user.username if a.user_id else f"{a.group.name} (group)")
    party_keys = list(parties)
    cells: dict[tuple[int, tuple[str, int]], list[str]] = {}
    activities = {}
    for a in assignments:
        key = ("user", a.user_id) if a.user_id else ("group", a.group_id)
        activities[a.activity_id] = a.activity
        cells.setdefault((a.activity_id, key), []).append(a.letter)
    rows = [
        (activity, ["".join(sorted(cells.get((activity.id, p), []), key="RACI".index)) for p in party_keys])
        for activity in sorted(activities.values(), key=lambda x: (x.order, x.key))
    ]
    return {"parties": [parties[p] for p in party_keys], "rows": rows}
