"""Which in-flight use cases are ready for a gate decision, for the whole portfolio at once.

``reviews.selectors.gate_criteria`` judges one use case in about ten queries:
right for the gate page, far too many for a pack over hundreds of use cases.
This screen asks the same questions of every candidate in a fixed number of
aggregate queries and reuses the reviews rules (KPIProgress.met, band_for,
NEXT_STAGE, the readiness floor) so the two cannot disagree on a threshold;
tests/reports/test_board_pack_data.py holds them to the same answers. The
gate service still re-checks every criterion when the sponsor decides.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum

from intake import selectors as intake_selectors
from intake.choices import RiskTier, Stage
from intake.models import KPI, PilotSelection, TierRequirement, UseCase
from reviews.choices import APPROVED_STATUSES
from reviews.models import (
    GAP_BELOW,
    ChecklistEntry,
    ChecklistItem,
    GapClosureAction,
    GovernancePolicy,
    ReadinessArea,
    ReadinessBand,
    ReadinessScore,
    Review,
)
from reviews.models import ReviewCondition as Condition
from reviews.selectors import (
    NEXT_STAGE,
    KPIProgress,
    band_for,
    critical_area_ids,
    gate_criteria,
    policy_in_force,
    value_evidenced,
)
from reviews.selectors.risk_gate import unaccepted_over_threshold
from vendors.rules import model_fit_problems, vendor_is_approved

from .kpis import kpi_progress_by_use_case

SUPPORT_MODEL = "support_model"
PROBLEM_FIELDS = ("problem_statement", "strategic_outcome_id", "outcome_baseline", "outcome_target",
                  "outcome_time_horizon")


@dataclass(frozen=True)
class Readiness:
    """A use case's readiness scorecard as aggregates: what the gate and section 7 need."""

    total: int
    scored: int
    complete: bool
    band: ReadinessBand | None
    blocking: int  # the policy's critical areas below its minimum, or unscored
    unreviewed_ones: int  # areas scored 1 without an independent recorded review
    unplanned_gaps: int = 0  # areas below 4 without a gap-closure action

    @property
    def passes(self) -> bool:
        """The pilot gate's readiness: ReadinessSummary.passes, no 1 without its independent review, and a
        Moderate result's gaps planned."""
        allows = self.band is not None and self.band.allows_controlled_rollout
        planned = self.band is None or self.band.key != "moderate" or not self.unplanned_gaps
        return self.complete and allows and not self.blocking and not self.unreviewed_ones and planned


@dataclass
class Evidence:
    """Everything the screen knows about the candidates, fetched once."""

    readiness: dict[int, Readiness]
    policy: GovernancePolicy
    checklist_ready: dict[int, int]
    support_ready: set[int]
    checklist_items: int
    reviews: dict[int, list[tuple[str, str, int, str]]]  # (function, status, cycle, stage), cycle order
    unmet_conditions: dict[int, int]
    requirements: dict[str, list[TierRequirement]]
    vendors: dict[int, list] = field(default_factory=dict)
    models: dict[int, list] = field(default_factory=dict)
    kpis: dict[int, list[KPIProgress]] = field(default_factory=dict)


def readiness_by_use_case(
    use_cases: QuerySet[UseCase], policy: GovernancePolicy | None = None,
) -> dict[int, Readiness]:
    """Readiness of each use case in ``use_cases`` that has any score, judged under ``policy`` (the one in
    force): four queries."""
    policy = policy or policy_in_force()
    critical = critical_area_ids(policy)
    areas = ReadinessArea.objects.aggregate(n=Count("id"), critical=Count("id", filter=Q(id__in=critical)))
    bands = list(ReadinessBand.objects.all())
    planned = GapClosureAction.objects.filter(use_case=OuterRef("use_case"), area=OuterRef("area"))
    rows = (
        ReadinessScore.objects.filter(use_case__in=use_cases.values("id"))
        .annotate(planned=Exists(planned))
        .values("use_case_id")
        .annotate(
            total=Sum("score"), scored=Count("id"),
            critical_ok=Count("id", filter=Q(area_id__in=critical, score__gte=policy.critical_minimum)),
            bare_ones=Count("id", filter=Q(score=1, explicit_review_independent=False)),
            unplanned=Count("id", filter=Q(score__lt=GAP_BELOW, planned=False)),
        )
    )
    result = {}
    for row in rows:
        complete = row["scored"] >= areas["n"]
        result[row["use_case_id"]] = Readiness(
            total=row["total"] or 0, scored=row["scored"], complete=complete,
            band=band_for(row["total"] or 0, bands, policy) if complete else None,
            blocking=areas["critical"] - row["critical_ok"], unreviewed_ones=row["bare_ones"],
            unplanned_gaps=row["unplanned"],
        )
    return result


def _all_reviews(use_cases: QuerySet[UseCase]) -> dict[int, list[tuple[str, str, int, str]]]:
    """Each use case's reviews, (function, status, cycle, stage) in cycle order (one query, a few rows each)."""
    rows: dict[int, list[tuple[str, str, int, str]]] = defaultdict(list)
    for uc_id, *row in Review.objects.filter(use_case__in=use_cases.values("id")).order_by("cycle").values_list(
        "use_case_id", "function", "status", "cycle", "stage"
    ):
        rows[uc_id].append(tuple(row))
    return rows


def _latest(rows: list[tuple[str, str, int, str]], stage: str = "") -> dict[str, str]:
    """function -> status of its highest cycle (opened at ``stage`` when given), as
    ``reviews.selectors.gate_reviews.latest_reviews``."""
    return {function: status for function, status, _cycle, at in rows if not stage or at == stage}


def _dependencies(use_cases: QuerySet[UseCase]) -> tuple[dict[int, list], dict[int, list]]:
    vendors: dict[int, list] = defaultdict(list)
    for link in UseCase.vendors.through.objects.filter(usecase__in=use_cases.values("id")).select_related("vendor"):
        vendors[link.usecase_id].append(link.vendor)
    models: dict[int, list] = defaultdict(list)
    links = UseCase.ai_models.through.objects.filter(usecase__in=use_cases.values("id"))
    for link in links.select_related("aimodel__provider"):
        models[link.usecase_id].append(link.aimodel)
    return vendors, models


def _evidence(candidates: QuerySet[UseCase]) -> Evidence:
    # The review items follow the reviews (judged by the reviews criteria): only the team's items count here.
    derived = [item.id for item in ChecklistItem.objects.all() if item.review_functions]
    checklist = (
        ChecklistEntry.objects.filter(use_case__in=candidates.values("id"), ready=True).exclude(item_id__in=derived)
        .values("use_case_id").annotate(ready=Count("id"), support=Count("id", filter=Q(item__key=SUPPORT_MODEL)))
    )
    checklist = list(checklist)
    requirements: dict[str, list[TierRequirement]] = defaultdict(list)
    for requirement in TierRequirement.objects.all():
        requirements[requirement.tier].append(requirement)
    unmet = Condition.objects.filter(review__use_case__in=candidates.values("id"), met=False)
    vendors, models = _dependencies(candidates)
    policy = policy_in_force()
    return Evidence(
        readiness=readiness_by_use_case(candidates, policy), policy=policy,
        checklist_ready={row["use_case_id"]: row["ready"] for row in checklist},
        support_ready={row["use_case_id"] for row in checklist if row["support"]},
        checklist_items=ChecklistItem.objects.exclude(id__in=derived).count(),
        reviews=_all_reviews(candidates),
        unmet_conditions=dict(unmet.values("review__use_case_id").annotate(n=Count("id"))
                              .values_list("review__use_case_id", "n")),
        requirements=requirements, vendors=vendors, models=models,
        kpis=kpi_progress_by_use_case(KPI.objects.filter(use_case__in=candidates.values("id"))),
    )


# ---------------------------------------------------------------- the three scale gates, as in reviews


def _exploration_ready(uc: UseCase, ev: Evidence) -> bool:
    defined = all(getattr(uc, name) for name in PROBLEM_FIELDS)
    owners = bool(uc.business_owner_id and uc.delivery_owner_id)
    tiered = uc.risk_tier not in (None, "", RiskTier.PROHIBITED)
    return defined and owners and uc.has_kpis and tiered and uc.has_pilot and _gate_reviews_ok(uc, ev, "before_pilot")


def _gate_reviews_ok(uc: UseCase, ev: Evidence, flag: str, stage: str = "") -> bool:
    """As reviews.selectors.gate_reviews: the functions ``flag`` names for its tier have approved (in a review
    opened at ``stage`` when given)."""
    has_vendor = bool(ev.vendors.get(uc.id) or ev.models.get(uc.id))
    functions = [r.function for r in ev.requirements[uc.risk_tier or ""]
                 if getattr(r, flag) and (has_vendor or not r.only_with_vendor)]
    latest = _latest(ev.reviews.get(uc.id, []), stage)
    return all(latest.get(function) in APPROVED_STATUSES for function in functions)


def _required_functions(uc: UseCase, ev: Evidence) -> set[str]:
    """As intake.selectors.required_review_functions, from the prefetched requirements and models."""
    if uc.risk_tier not in ("low", "medium", "high"):
        return set()
    has_vendor = bool(ev.vendors.get(uc.id) or ev.models.get(uc.id))
    required = {r.function for r in ev.requirements[uc.risk_tier] if has_vendor or not r.only_with_vendor}
    flagged = any(model_fit_problems(m, data_classification=uc.data_classification, tier=uc.risk_tier)
                  for m in ev.models.get(uc.id, []))
    if flagged:
        required |= {f.value for f in intake_selectors.FLAGGED_MODEL_FUNCTIONS}
    return required


def _vendors_approved(uc: UseCase, ev: Evidence, today: datetime.date) -> bool:
    vendors = {v.id: v for v in ev.vendors.get(uc.id, [])}
    vendors.update({m.provider_id: m.provider for m in ev.models.get(uc.id, [])})
    return all(vendor_is_approved(v, today) for v in vendors.values())


def _pilot_ready(uc: UseCase, ev: Evidence, today: datetime.date) -> bool:
    # As the gate's reviews criterion: each function's latest review, for those required or in the current cycle.
    rows, required = ev.reviews.get(uc.id, []), _required_functions(uc, ev)
    current = {function for function, _status, cycle, _stage in rows if cycle == rows[-1][2]} if rows else set()
    reviews = {f: status for f, status in _latest(rows).items() if f in required or f in current}
    approved = bool(reviews) and all(status in APPROVED_STATUSES for status in reviews.values())
    covered = required <= set(reviews) and _gate_reviews_ok(uc, ev, "at_controlled_rollout", Stage.PILOT)
    readiness = ev.readiness.get(uc.id)
    checklist = ev.checklist_items > 0 and ev.checklist_ready.get(uc.id, 0) >= ev.checklist_items
    return (approved and covered and not ev.unmet_conditions.get(uc.id) and readiness is not None
            and readiness.passes and checklist and _vendors_approved(uc, ev, today))


def _controlled_ready(uc: UseCase, ev: Evidence) -> bool:
    progress = ev.kpis.get(uc.id, [])
    readiness = ev.readiness.get(uc.id)
    value = value_evidenced(progress, ev.policy)
    high_enough = readiness is not None and readiness.complete and readiness.total >= ev.policy.scale_min_total
    floor = readiness is not None and not readiness.blocking and not readiness.unreviewed_ones
    return (value and high_enough and floor and uc.id in ev.support_ready
            and not ev.unmet_conditions.get(uc.id) and _gate_reviews_ok(uc, ev, "at_scaled", Stage.CONTROLLED_ROLLOUT))


def gate_ready(candidates: QuerySet[UseCase], *, today: datetime.date) -> tuple[list[UseCase], dict[str, int]]:
    """In-flight use cases whose every scale criterion is met, and how many per stage are not yet ready."""
    rows = list(
        candidates.filter(stage__in=list(NEXT_STAGE)).select_related("business_unit", "executive_sponsor")
        .annotate(has_kpis=Exists(KPI.objects.filter(use_case=OuterRef("pk"))),
                  has_pilot=Exists(PilotSelection.objects.filter(use_case=OuterRef("pk"))),
                  risk_blocked=Exists(unaccepted_over_threshold(today)))
        .order_by("reference")
    )
    ev = _evidence(candidates.filter(stage__in=list(NEXT_STAGE)))
    checks = {
        Stage.EXPLORATION: lambda uc: _exploration_ready(uc, ev),
        Stage.PILOT: lambda uc: _pilot_ready(uc, ev, today) and not uc.risk_blocked,
        Stage.CONTROLLED_ROLLOUT: lambda uc: _controlled_ready(uc, ev) and not uc.risk_blocked,
    }
    ready, waiting = [], defaultdict(int)
    for uc in rows:
        # The batched screen first; the few it passes are confirmed by the gate's own criteria, so the pack
        # never calls ready what the gate would refuse (artefacts and risk areas are judged there only).
        if checks[uc.stage](uc) and all(c.met for c in gate_criteria(uc, ev.policy)):
            ready.append(uc)
        else:
            waiting[uc.stage] += 1
    return ready, dict(waiting)
