"""Pilots between their gates: the clock of each (days left, ends soon, overrun) and how many run at once.

A pilot runs while its use case is in the Pilot stage and still open (neither withdrawn nor rejected); the
Exploration -> Pilot gate sets its time-box (``reviews.services.pilots``). It has overrun once the day after
its end has come with no gate decision taking it out of Pilot. The playbook runs 3-7 pilots at once
(governance model, section 10): the policy holds that range, and the gate into Pilot warns above it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet, Window
from django.urls import reverse
from django.utils import timezone

from intake import permissions
from intake.choices import Stage
from intake.lifecycle import FINAL_STATUSES
from intake.models import UseCase
from intake.permissions import Action, Decision
from reviews.models import GovernancePolicy

from .policy import policy_in_force

MAY_SET_DATES = ("{ref}'s pilot dates are set by the PMO, governance admins and whoever decides its gates "
                 "(the go / no-go Accountable).")


def running_pilots(queryset: QuerySet[UseCase] | None = None) -> QuerySet[UseCase]:
    """Use cases whose pilot runs: in the Pilot stage and still open."""
    queryset = UseCase.objects.all() if queryset is None else queryset
    return queryset.filter(stage=Stage.PILOT).exclude(status__in=FINAL_STATUSES)


def is_running(use_case: UseCase) -> bool:
    return use_case.stage == Stage.PILOT and use_case.status not in FINAL_STATUSES


@dataclass(frozen=True)
class PilotClock:
    """Where a pilot stands on ``today``; ``days_left`` is negative once it has overrun."""

    start: datetime.date | None
    end: datetime.date | None
    running: bool
    days_left: int | None
    overrun: bool
    ends_soon: bool


def clock_for(*, start: datetime.date | None, end: datetime.date | None, running: bool, today: datetime.date,
              reminder_days: int) -> PilotClock:
    """The clock of a pilot from its dates: the one rule the pages, the API and the sweep share."""
    days_left = (end - today).days if end is not None else None
    live = running and days_left is not None
    return PilotClock(start=start, end=end, running=running, days_left=days_left,
                      overrun=live and days_left < 0, ends_soon=live and 0 <= days_left <= reminder_days)


def pilot_clock(use_case: UseCase, *, today: datetime.date | None = None,
                policy: GovernancePolicy | None = None) -> PilotClock:
    policy = policy or policy_in_force()
    return clock_for(start=use_case.pilot_start, end=use_case.pilot_end, running=is_running(use_case),
                     today=today or timezone.localdate(), reminder_days=policy.pilot_reminder_days)


def pilot_overrun(use_case: UseCase, *, today: datetime.date | None = None) -> bool:
    """Past its end and still in Pilot: needs no policy, so no query."""
    today = today or timezone.localdate()
    return is_running(use_case) and use_case.pilot_end is not None and use_case.pilot_end < today


def pilots_overrun(*, today: datetime.date | None = None) -> QuerySet[UseCase]:
    """Running pilots past their end, longest overrun first."""
    today = today or timezone.localdate()
    return running_pilots().filter(pilot_end__lt=today).order_by("pilot_end", "id")


def pilots_by_days_left(queryset: QuerySet[UseCase] | None = None) -> QuerySet[UseCase]:
    """Running pilots with an end, fewest days left first (overrun ones lead), with their business unit."""
    return running_pilots(queryset).filter(pilot_end__isnull=False).select_related("business_unit").order_by(
        "pilot_end", "id")


# -- concurrent pilots -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PilotCount:
    """Pilots running at once in one business unit or the portfolio, against the policy's range."""

    name: str
    count: int
    low: int
    high: int

    @property
    def state(self) -> str:
        if self.count > self.high:
            return "above"
        return "below" if self.count < self.low else "within"


def concurrent_pilots(policy: GovernancePolicy | None = None) -> dict[str, Any]:
    """The portfolio's running pilots and each business unit's (those running any), in one query."""
    policy = policy or policy_in_force()
    low, high = policy.concurrent_pilots_min, policy.concurrent_pilots_max
    rows = (running_pilots().order_by().values("business_unit__code", "business_unit__name")
            .annotate(count=Count("id")).order_by("business_unit__name"))
    units = [PilotCount(row["business_unit__name"], row["count"], low, high) for row in rows]
    return {"portfolio": PilotCount("Portfolio", sum(unit.count for unit in units), low, high), "units": units}


def pilots_overview(*, today: datetime.date | None = None, limit: int = 15, concurrent: bool = True,
                    policy: GovernancePolicy | None = None) -> dict[str, Any]:
    """The running pilots by days left (the first ``limit``: overrun ones lead, longest overrun first), how many
    in all and how many overrun, and, unless ``concurrent`` is false, the concurrent pilots against the policy's
    range: what the portfolio dashboard and the board pack's progress section show. One query for the pilots,
    however many; three more for the concurrent ones."""
    today = today or timezone.localdate()
    # The totals ride along each row (windows over the whole result): no second query.
    pilots = pilots_by_days_left().annotate(
        running_total=Window(Count("id")), overrun_total=Window(Count("id", filter=Q(pilot_end__lt=today))))
    rows = list(pilots[:limit])
    for use_case in rows:
        use_case.days_left = (use_case.pilot_end - today).days
        use_case.overrun = use_case.days_left < 0
        use_case.days_overrun = max(-use_case.days_left, 0)
    first = rows[0] if rows else None
    return {"running": {"total": first.running_total if first else 0, "rows": rows},
            "overrun_total": first.overrun_total if first else 0,
            "concurrent": concurrent_pilots(policy) if concurrent else None}


def pilot_gate_warnings(use_case: UseCase, policy: GovernancePolicy | None = None) -> list[str]:
    """What the Exploration -> Pilot gate says before a go: the portfolio above its range of concurrent pilots.

    A warning, never a refusal: the sponsor decides knowing it.
    """
    if use_case.stage != Stage.EXPLORATION or use_case.status in FINAL_STATUSES:
        return []
    policy = policy or policy_in_force()
    running = running_pilots().count()
    if running + 1 <= policy.concurrent_pilots_max:
        return []
    return [f"The portfolio runs {running} pilot{'s' if running != 1 else ''} at once; scaling {use_case.reference} "
            f"to Pilot makes {running + 1}, above the governance policy's range of "
            f"{policy.concurrent_pilots_min} to {policy.concurrent_pilots_max} concurrent pilots."]


# -- who may set the dates, and the panel -----------------------------------------------------------


def pilot_dates_permission(user, use_case: UseCase, *, facts: permissions.Facts | None = None) -> Decision:
    """The PMO and governance admins (who score pilots) or whoever decides the gate (the go / no-go A,
    never one of the use case's own people) may set a pilot's dates."""
    facts = facts or permissions.permission_facts(user, [use_case])[use_case.id]
    if any(permissions.can(user, action, use_case, facts=facts) for action in (Action.SCORE_PILOT,
                                                                               Action.DECIDE_GATE)):
        return Decision(True)
    return Decision(False, f"{permissions.NOT_ALLOWED} " + MAY_SET_DATES.format(ref=use_case.reference))


def pilot_panel(use_case: UseCase, *, user=None, today: datetime.date | None = None,
                policy: GovernancePolicy | None = None) -> dict[str, Any]:
    """The pilot part of the "Between gates" panel: its clock, the time-box and the concurrent pilots.

    ``shown`` is false for a use case that has never had a pilot; ``may_edit`` is asked of ``user`` when given.
    """
    policy = policy or policy_in_force()
    clock = pilot_clock(use_case, today=today, policy=policy)
    shown = clock.running or clock.end is not None
    return {
        "shown": shown,
        "reference": use_case.reference,
        "clock": clock,
        "days_overrun": -clock.days_left if clock.overrun else 0,
        "time_box_weeks": policy.pilot_time_box_weeks,
        "reminder_days": policy.pilot_reminder_days,
        "concurrent": concurrent_pilots(policy) if shown else None,
        "edit_url": reverse("reviews:pilot", args=[use_case.reference]),
        "may_edit": bool(user is not None and clock.running and pilot_dates_permission(user, use_case)),
    }
