"""The pilot triage list: Exploration use cases waiting to be chosen as pilots, strongest first.

For the PMO and governance admins. Each candidate carries its pilot-selection total (the sum of the
12 criteria, 12-36) and whether it is at or below the governance policy's strong cut-off, its tier,
its readiness total and band, its strategic outcome and its value against spend. The list is read in a
fixed number of queries, however many candidates there are.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from operator import add

from django.db.models import Count, F, IntegerField, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from core.roles import group_names, is_governance_admin
from intake import permissions
from intake.choices import OrgGroup, Stage, Status
from intake.models import UseCase
from intake.models.usecase import PILOT_CRITERIA
from reviews.models import GovernancePolicy, ReadinessArea, ReadinessBand, ReadinessScore

from .evidence import band_for
from .policy import policy_in_force
from .value import ValueFigures, value_by_use_case

TRIAGE_STATUSES = (Status.SUBMITTED, Status.APPROVED)


def may_triage(user) -> bool:
    """The PMO and governance admins choose pilots; the role, not a permission granted one by one."""
    return is_governance_admin(user) or OrgGroup.PMO in group_names(user)


@dataclass(frozen=True)
class TriageRow:
    use_case: UseCase
    pilot_total: int | None  # None while unscored
    at_or_below_cutoff: bool  # scored, and not above the policy's strong cut-off
    readiness_total: int | None  # None while no area is scored
    readiness_complete: bool
    readiness_band: ReadinessBand | None  # only a complete scorecard has a band
    value: ValueFigures


@dataclass(frozen=True)
class Triage:
    rows: list[TriageRow]
    strong_above: int
    policy: GovernancePolicy


def _readiness(field: str, aggregate) -> Subquery:
    scores = (ReadinessScore.objects.filter(use_case=OuterRef("pk")).order_by().values("use_case")
              .annotate(result=aggregate(field)).values("result"))
    return Subquery(scores, output_field=IntegerField())


def candidates(user) -> QuerySet[UseCase]:
    """Exploration use cases submitted or approved that ``user`` may see, by pilot-selection total
    (highest first, unscored last), then reference."""
    # A missing selection row makes every term NULL, so the total is NULL (unscored), not 0.
    total = reduce(add, (F(f"pilot_selection__{key}") for key in PILOT_CRITERIA))
    queryset = (UseCase.objects.filter(stage=Stage.EXPLORATION, status__in=TRIAGE_STATUSES)
                .select_related("business_unit", "strategic_outcome")
                .annotate(pilot_total=total, readiness_total=_readiness("score", Sum),
                          readiness_scored=Coalesce(_readiness("id", Count), 0))
                .order_by(F("pilot_total").desc(nulls_last=True), "reference"))
    return permissions.visible_use_cases(user, queryset)


def triage(user, *, policy: GovernancePolicy | None = None) -> Triage:
    """The ranked candidates with their figures: the policy, areas, bands, the list and its value
    (two queries) whatever its length."""
    policy = policy or policy_in_force()
    areas = ReadinessArea.objects.count()
    bands = list(ReadinessBand.objects.all())
    use_cases = list(candidates(user))
    values = value_by_use_case([uc.pk for uc in use_cases])
    rows = []
    for uc in use_cases:
        complete = bool(areas) and uc.readiness_scored >= areas
        rows.append(TriageRow(
            use_case=uc, pilot_total=uc.pilot_total,
            at_or_below_cutoff=uc.pilot_total is not None and uc.pilot_total <= policy.pilot_strong_above,
            readiness_total=uc.readiness_total, readiness_complete=complete,
            readiness_band=band_for(uc.readiness_total, bands, policy) if complete else None,
            value=values[uc.pk]))
    return Triage(rows, policy.pilot_strong_above, policy)
