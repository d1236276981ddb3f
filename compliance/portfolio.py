"""The portfolio's compliance: coverage by framework across the use cases a person sees, the requirements
least covered, the use cases furthest behind and the application dates ahead."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.utils import timezone

from intake import permissions as intake_permissions
from intake.choices import Stage, Status
from intake.models import UseCase

from .models import Obligation, Requirement
from .selectors import FrameworkCoverage, counted, framework_totals, satisfied_q

# Registers of drafts and of use cases that are over (withdrawn, rejected, stopped, retired) do not count.
INACTIVE_STATUSES = (Status.DRAFT, Status.WITHDRAWN, Status.REJECTED)
INACTIVE_STAGES = (Stage.STOPPED, Stage.RETIRED)
BEHIND_LIMIT = 10
UPCOMING_DAYS = 365


@dataclass(frozen=True)
class RequirementCoverage:
    requirement: Requirement
    applicable: int
    met: int


@dataclass(frozen=True)
class UseCaseCoverage:
    use_case: UseCase
    applicable: int
    met: int

    @property
    def missing(self) -> int:
        return self.applicable - self.met


@dataclass(frozen=True)
class Upcoming:
    requirement: Requirement
    applies_from: datetime.date
    use_cases: int


@dataclass(frozen=True)
class PortfolioCompliance:
    frameworks: list[FrameworkCoverage]
    requirements: dict[int, list[RequirementCoverage]]  # by framework id, least covered first
    behind: list[UseCaseCoverage]
    upcoming: list[Upcoming]
    use_case_count: int


def portfolio_obligations(user) -> QuerySet[Obligation]:
    """The applicable obligations of the active use cases ``user`` sees."""
    use_cases = intake_permissions.visible_use_cases(user).exclude(status__in=INACTIVE_STATUSES).exclude(
        stage__in=INACTIVE_STAGES)
    return counted(Obligation.objects.filter(use_case__in=use_cases.values("id")))


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


def _behind(queryset: QuerySet[Obligation], today: datetime.date) -> list[UseCaseCoverage]:
    rows = (queryset.values("use_case").order_by()
            .annotate(applicable=Count("id"), met=Count("id", filter=satisfied_q(today))))
    ranked = sorted(rows, key=lambda r: (r["met"] / r["applicable"], -r["applicable"], r["use_case"]))
    top = ranked[:BEHIND_LIMIT]
    use_cases = UseCase.objects.in_bulk([r["use_case"] for r in top])
    return [UseCaseCoverage(use_cases[r["use_case"]], r["applicable"], r["met"]) for r in top
            if r["met"] < r["applicable"]]


def upcoming_dates(queryset: QuerySet[Obligation], today: datetime.date) -> list[Upcoming]:
    horizon = today + datetime.timedelta(days=UPCOMING_DAYS)
    rows = (queryset.filter(requirement__applies_from__gt=today, requirement__applies_from__lte=horizon)
            .values("requirement").order_by().annotate(use_cases=Count("use_case", distinct=True)))
    requirements = Requirement.objects.select_related("framework").in_bulk([r["requirement"] for r in rows])
    items = [Upcoming(requirements[r["requirement"]], requirements[r["requirement"]].applies_from, r["use_cases"])
             for r in rows]
    return sorted(items, key=lambda item: (item.applies_from, item.requirement.framework.name,
                                           item.requirement.order))


def portfolio_compliance(user, today: datetime.date | None = None) -> PortfolioCompliance:
    today = today or timezone.localdate()
    queryset = portfolio_obligations(user)
    return PortfolioCompliance(
        frameworks=framework_totals(queryset, today), requirements=_requirements(queryset, today),
        behind=_behind(queryset, today), upcoming=upcoming_dates(queryset, today),
        use_case_count=queryset.values("use_case").distinct().count(),
    )
