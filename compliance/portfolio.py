"""The portfolio's compliance: coverage by framework across the use cases a person sees, the requirements
least covered, the use cases furthest behind, each use case's coverage by framework, the organisation's
own register and the application dates ahead.

Every count is ``compliance.selectors``' rule: applicable obligations of requirements still in their
framework (``counted``), satisfied as ``satisfied_q`` says, and per framework as ``framework_totals``."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import BooleanField, Case, Count, Q, QuerySet, Value, When
from django.utils import timezone

from intake import permissions as intake_permissions
from intake.choices import EUAIActCategory, Stage, Status
from intake.models import UseCase

from .models import Framework, Obligation, Requirement
from .selectors import FrameworkCoverage, counted, framework_totals, satisfied_q

# Registers of drafts and of use cases that are over (withdrawn, rejected, stopped, retired) do not count.
INACTIVE_STATUSES = (Status.DRAFT, Status.WITHDRAWN, Status.REJECTED)
INACTIVE_STAGES = (Stage.STOPPED, Stage.RETIRED)
BEHIND_LIMIT = 10
UPCOMING_DAYS = 365


def percent(met: int, applicable: int) -> int:
    """Rounded as ``compliance.selectors.FrameworkCoverage.percent``: nothing applicable is nothing missing."""
    return round(100 * met / applicable) if applicable else 100


@dataclass(frozen=True)
class RequirementCoverage:
    requirement: Requirement
    applicable: int
    met: int

    @property
    def percent(self) -> int:
        return percent(self.met, self.applicable)


@dataclass(frozen=True)
class UseCaseCoverage:
    """One use case's register, all frameworks together. ``gate_missing`` counts the obligations a gate
    needs (``Requirement.required_before`` set) still not satisfied."""

    use_case: UseCase
    applicable: int
    met: int
    gate_missing: int = 0

    @property
    def missing(self) -> int:
        return self.applicable - self.met

    @property
    def percent(self) -> int:
        return percent(self.met, self.applicable)

    @property
    def high_risk(self) -> bool:
        return self.use_case.eu_ai_act_category == EUAIActCategory.HIGH_RISK


@dataclass(frozen=True)
class UseCaseFrameworkCoverage:
    """One use case's register in one framework, with the identifiers still not satisfied (the
    framework's order)."""

    use_case: UseCase
    framework: Framework
    applicable: int
    met: int
    missing: list[str] = field(default_factory=list)

    @property
    def percent(self) -> int:
        return percent(self.met, self.applicable)


@dataclass(frozen=True)
class Upcoming:
    requirement: Requirement
    applies_from: datetime.date
    use_cases: int


@dataclass(frozen=True)
class PortfolioCompliance:
    frameworks: list[FrameworkCoverage]
    requirements: dict[int, list[RequirementCoverage]]  # by framework id, least covered first
    behind: list[UseCaseCoverage]  # the first ``behind_limit`` (all when None), most pressing first
    upcoming: list[Upcoming]
    use_case_count: int
    behind_total: int = 0  # how many use cases have an obligation not satisfied, shown or not
    organisation: list[FrameworkCoverage] = field(default_factory=list)  # the organisation's own register


def active_use_cases(user) -> QuerySet[UseCase]:
    """The use cases ``user`` sees whose registers count: not drafts, not over."""
    return intake_permissions.visible_use_cases(user).exclude(status__in=INACTIVE_STATUSES).exclude(
        stage__in=INACTIVE_STAGES)


def portfolio_obligations(user) -> QuerySet[Obligation]:
    """The applicable obligations of the active use cases ``user`` sees."""
    return counted(Obligation.objects.filter(use_case__in=active_use_cases(user).values("id")))


def organisation_coverage(today: datetime.date | None = None) -> list[FrameworkCoverage]:
    """The organisation's own register (obligations of no use case: NIST GOVERN, ISO organisation
    controls, EU Art. 4) by framework: ``framework_totals``, the one count. Every signed-in person reads
    that register."""
    return framework_totals(Obligation.objects.filter(use_case__isnull=True), today)


def _satisfied(today: datetime.date) -> Case:
    """True when ``satisfied_q`` holds, False otherwise: never NULL (an accepted risk without an expiry
    date is not satisfied)."""
    return Case(When(satisfied_q(today), then=Value(True)), default=Value(False), output_field=BooleanField())


def _requirements(queryset: QuerySet[Obligation], today: datetime.date) -> dict[int, list[RequirementCoverage]]:
    rows = (queryset.values("requirement").order_by()
            .annotate(applicable=Count("id"), met=Count("id", filter=satisfied_q(today))))
    requirements = Requirement.objects.select_related("framework").in_bulk([r["requirement"] for r in rows])
    result: dict[int, list[RequirementCoverage]] = {}
    for row in rows:
        requirement = requirements[row["requirement"]]
        result.setdefault(requirement.framework_id, []).append(
            RequirementCoverage(requirement, row["applicable"], row["met"]))
    for items in result.values():
        items.sort(key=lambda item: (item.met / item.applicable, item.requirement.order))
    return result


def behind_rank(high_risk: bool, gate_missing: int, met: int, applicable: int, use_case_id: int) -> tuple:
    """What matters first: EU AI Act high-risk use cases, then those lacking an obligation a gate needs,
    then the lowest share satisfied, at the same share the larger register."""
    return (not high_risk, not gate_missing, met / applicable, -applicable, use_case_id)


def use_cases_behind(queryset: QuerySet[Obligation], today: datetime.date,
                     limit: int | None = BEHIND_LIMIT) -> tuple[list[UseCaseCoverage], int]:
    """The use cases with an obligation not satisfied, most pressing first (``behind_rank``): the first
    ``limit`` (every one when None) and how many there are. Two queries, whatever the portfolio."""
    gate = ~Q(requirement__required_before="")
    rows = (queryset.values("use_case", "use_case__eu_ai_act_category").order_by()
            .annotate(applicable=Count("id"), met=Count("id", filter=satisfied_q(today)),
                      gate=Count("id", filter=gate), gate_met=Count("id", filter=gate & satisfied_q(today))))
    rows = [r for r in rows if r["met"] < r["applicable"]]
    ranked = sorted(rows, key=lambda r: behind_rank(r["use_case__eu_ai_act_category"] == EUAIActCategory.HIGH_RISK,
                                                    r["gate"] - r["gate_met"], r["met"], r["applicable"],
                                                    r["use_case"]))
    top = ranked if limit is None else ranked[:limit]
    use_cases = UseCase.objects.in_bulk([r["use_case"] for r in top])
    return ([UseCaseCoverage(use_cases[r["use_case"]], r["applicable"], r["met"], r["gate"] - r["gate_met"])
             for r in top], len(ranked))


def use_case_coverage(user, today: datetime.date | None = None) -> list[UseCaseFrameworkCoverage]:
    """Each active use case ``user`` sees, framework by framework (by reference, then framework name):
    satisfied against applicable counted as ``framework_totals`` counts them, grouped by use case as well,
    and the identifiers still missing in the framework's order. Four queries, whatever the portfolio."""
    today = today or timezone.localdate()
    queryset = portfolio_obligations(user)
    rows = list(queryset.values("use_case", "requirement__framework").order_by()
                .annotate(applicable=Count("id"), met=Count("id", filter=satisfied_q(today))))
    missing: dict[tuple[int, int], list[str]] = {}
    for use_case_id, framework_id, identifier in (
            queryset.alias(ok=_satisfied(today)).filter(ok=False)
            .order_by("requirement__order", "requirement__identifier", "id")
            .values_list("use_case", "requirement__framework", "requirement__identifier")):
        missing.setdefault((use_case_id, framework_id), []).append(identifier)
    use_cases = UseCase.objects.in_bulk({r["use_case"] for r in rows})
    frameworks = Framework.objects.in_bulk({r["requirement__framework"] for r in rows})
    result = [UseCaseFrameworkCoverage(use_cases[r["use_case"]], frameworks[r["requirement__framework"]],
                                       r["applicable"], r["met"],
                                       missing.get((r["use_case"], r["requirement__framework"]), []))
              for r in rows]
    return sorted(result, key=lambda row: (row.use_case.reference, row.use_case.pk, row.framework.name,
                                           row.framework.pk))


def upcoming_dates(queryset: QuerySet[Obligation], today: datetime.date) -> list[Upcoming]:
    horizon = today + datetime.timedelta(days=UPCOMING_DAYS)
    rows = (queryset.filter(requirement__applies_from__gt=today, requirement__applies_from__lte=horizon)
            .values("requirement").order_by().annotate(use_cases=Count("use_case", distinct=True)))
    requirements = Requirement.objects.select_related("framework").in_bulk([r["requirement"] for r in rows])
    items = [Upcoming(requirements[r["requirement"]], requirements[r["requirement"]].applies_from, r["use_cases"])
             for r in rows]
    return sorted(items, key=lambda item: (item.applies_from, item.requirement.framework.name,
                                           item.requirement.order))


def portfolio_compliance(user, today: datetime.date | None = None, *,
                         behind_limit: int | None = BEHIND_LIMIT) -> PortfolioCompliance:
    """The compliance page's numbers; ``behind_limit`` None lists every use case behind."""
    today = today or timezone.localdate()
    queryset = portfolio_obligations(user)
    behind, behind_total = use_cases_behind(queryset, today, behind_limit)
    return PortfolioCompliance(
        frameworks=framework_totals(queryset, today), requirements=_requirements(queryset, today),
        behind=behind, upcoming=upcoming_dates(queryset, today),
        use_case_count=queryset.values("use_case").distinct().count(),
        behind_total=behind_total, organisation=organisation_coverage(today),
    )
