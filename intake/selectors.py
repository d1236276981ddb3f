"""Reads for the intake app: querysets with what their pages need."""

from __future__ import annotations

import datetime
import functools

from django.db import connection
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from intake.choices import ReviewFunction
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
from vendors.models import AIModel, Vendor
from vendors.rules import model_fit_problems, vendor_is_approved


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
        "vendors",
        Prefetch("ai_models", queryset=AIModel.objects.select_related("provider")),
        Prefetch("events", queryset=UseCaseEvent.objects.select_related("actor").order_by("created_at", "id")),
    )


@functools.cache
def _related_ids_sql() -> str:
    quote = connection.ops.quote_name

    def through(name: str) -> tuple[str, str, str]:
        field = UseCase._meta.get_field(name)
        return (quote(field.remote_field.through._meta.db_table), quote(field.m2m_column_name()),
                quote(field.m2m_reverse_name()))

    def column(model, name: str) -> str:
        return quote(model._meta.get_field(name).column)

    (vendors, v_use_case, v_vendor), (models, m_use_case, m_model) = through("vendors"), through("ai_models")
    vendor, model, pk, name = quote(Vendor._meta.db_table), quote(AIModel._meta.db_table), quote("id"), quote("name")
    # Names from the models' metadata, never from input; the id is a parameter. The ORDER BY is the
    # models' Meta ordering (tests/intake/test_selectors.py holds it to the ORM's).
    return (
        f"SELECT 'vendors', v.{pk}, v.{name}, NULL, NULL FROM {vendors} uv "  # noqa: S608 # nosec B608
        f"INNER JOIN {vendor} v ON v.{pk} = uv.{v_vendor} WHERE uv.{v_use_case} = %s "
        f"UNION ALL SELECT 'ai_models', m.{pk}, p.{name}, m.{name}, m.{column(AIModel, 'version')} "
        f"FROM {models} um INNER JOIN {model} m ON m.{pk} = um.{m_model} "
        f"INNER JOIN {vendor} p ON p.{pk} = m.{column(AIModel, 'provider')} "
        f"WHERE um.{m_use_case} = %s ORDER BY 1, 3, 4, 5, 2"
    )


def use_case_with_related_ids(use_case: UseCase) -> UseCase:
    """The use case with ``vendor_ids`` and ``ai_model_ids``, each in its model's order, read in one statement.

    Vendors by name, models by provider, name and version (their Meta orderings): what the API's
    detail serializer renders. Written out: two prefetches of the relations cost the detail 1.9 ms of
    CPU for two lists of ids, this 0.4 (docs/benchmarks.md).
    """
    related: dict[str, list[int]] = {"vendors": [], "ai_models": []}
    with connection.cursor() as cursor:
        cursor.execute(_related_ids_sql(), [use_case.pk, use_case.pk])
        for relation, pk, *_order in cursor.fetchall():
            related[relation].append(pk)
    use_case.vendor_ids, use_case.ai_model_ids = related["vendors"], related["ai_models"]
    return use_case


def eu_ai_act_obligations(category: str | None) -> QuerySet[EuAiActObligation]:
    return EuAiActObligation.objects.filter(category=category or "").order_by("applies_from")


# A flagged model needs these reviews whatever the tier (governance model, section 8).
FLAGGED_MODEL_FUNCTIONS = (ReviewFunction.ARCHITECTURE, ReviewFunction.SECURITY)
DEFAULT_SLA_DAYS = 10


def required_review_functions(use_case: UseCase) -> dict[str, int]:
    """Review functions the use case's tier requires, with each one's SLA in days."""
    if use_case.risk_tier not in ("low", "medium", "high"):
        return {}
    requirements = list(TierRequirement.objects.filter(tier=use_case.risk_tier))
    has_vendor = depends_on_vendor(use_case)
    required = {r.function: r.sla_days for r in requirements if has_vendor or not r.only_with_vendor}
    if model_flags(use_case):
        sla = max((r.sla_days for r in requirements), default=DEFAULT_SLA_DAYS)
        for function in FLAGGED_MODEL_FUNCTIONS:
            required.setdefault(function.value, sla)
    return required


def depends_on_vendor(use_case: UseCase) -> bool:
    """A named vendor, or a model from the registry (every model has a vendor)."""
    return use_case.vendors.exists() or use_case.ai_models.exists()


def model_flags(use_case: UseCase) -> list[str]:
    """Why the models it names do not fit its data classification and tier (once tiered)."""
    if not use_case.risk_tier:
        return []
    problems: list[str] = []
    for model in use_case.ai_models.all():
        problems += model_fit_problems(model, data_classification=use_case.data_classification,
                                       tier=use_case.risk_tier)
    return problems


def vendors_not_approved(use_case: UseCase, today: datetime.date | None = None) -> list[str]:
    """Vendors it depends on (named, or behind its models) that may not be used today."""
    today = today or timezone.localdate()
    vendors = {v.id: v for v in use_case.vendors.all()}
    vendors.update({m.provider_id: m.provider for m in use_case.ai_models.all()})
    return sorted(
        f"{vendor.name} ({vendor.effective_status_label(today).lower()})"
        for vendor in vendors.values() if not vendor_is_approved(vendor, today)
    )


def raci_for(use_case: UseCase) -> QuerySet[RaciAssignment]:
    return use_case.raci.select_related("activity", "user", "group").order_by("activity__order", "letter", "id")


def _party_label(assignment: RaciAssignment) -> str:
    if assignment.user_id:
        user = assignment.user
        name = user.get_full_name()
        return f"{name} ({user.username})" if name else user.username
    return f"{assignment.group.name} (group)"


def raci_grid(use_case: UseCase) -> dict:
    """Activities by parties: {"parties": [...], "rows": [(activity, [letters per party])]}."""
    assignments = list(raci_for(use_case))
    parties: dict[tuple[str, int], str] = {}
    for a in assignments:
        key = ("user", a.user_id) if a.user_id else ("group", a.group_id)
        parties.setdefault(key, _party_label(a))
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
