"""The risk register at the gates (governance model, section 7).

Before Pilot, the register covers every risk area the use case's tier requires (``TierRiskArea``). Before
Controlled rollout and Scaled, no live risk sits at or over its escalation threshold unless the gate's A
has accepted it until a day still to come. An acceptance is current until a newer one is recorded for the
same risk; from its ``expires_on`` the risk blocks again.
"""

from __future__ import annotations

import datetime

from django.db.models import Exists, F, OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone

from intake import permissions
from intake.lifecycle import FINAL_STAGES
from intake.models import UseCase
from reviews.models import MitigationStatus, Risk, RiskAcceptance, RiskArea, TierRiskArea

from .criteria import Criterion

LIVE = (MitigationStatus.OPEN, MitigationStatus.MITIGATING)  # as Risk.needs_escalation


def day(value: datetime.date) -> str:
    """A date as a sponsor reads it: 3 Dec 2026."""
    return f"{value.day} {value:%b %Y}"


def _risks_link(use_case: UseCase) -> str:
    return reverse("reviews:risks", args=[use_case.reference])


def required_risk_areas(tier: str) -> list[str]:
    """The risk areas a tier must have assessed before Pilot, in the register's order."""
    required = set(TierRiskArea.objects.filter(tier=tier).values_list("area", flat=True))
    return [area for area in RiskArea.values if area in required]


def risk_area_criteria(use_case: UseCase) -> list[Criterion]:
    """Exploration -> Pilot: an entry for each risk area the tier requires (none when it requires none)."""
    required = required_risk_areas(use_case.risk_tier) if use_case.risk_tier else []
    if not required:
        return []
    assessed = set(Risk.objects.filter(use_case=use_case).values_list("area", flat=True))
    missing = [RiskArea(area).label for area in required if area not in assessed]
    return [Criterion("risk_areas_assessed", "The risk register covers every area its tier requires", not missing,
                      f"No entry yet for: {', '.join(missing)}." if missing else "", _risks_link(use_case))]


def current_acceptances() -> QuerySet[RiskAcceptance]:
    """Each risk's latest acceptance (a newer one replaces it, even with an earlier expiry)."""
    newer = RiskAcceptance.objects.filter(risk=OuterRef("risk"), pk__gt=OuterRef("pk"))
    return RiskAcceptance.objects.exclude(Exists(newer))


def acceptances_of(risks: list[Risk]) -> dict[int, RiskAcceptance]:
    """The current acceptance of each of ``risks`` that has one, by risk id (one query)."""
    rows = current_acceptances().filter(risk__in=[risk.pk for risk in risks]).select_related("accepted_by")
    return {row.risk_id: row for row in rows}


def is_in_force(acceptance: RiskAcceptance | None, today: datetime.date, score: int | None = None) -> bool:
    """Not yet expired and, given the risk's ``score`` now, not outgrown (accepted at this score or higher)."""
    return (acceptance is not None and acceptance.expires_on > today
            and (score is None or score <= acceptance.accepted_score))


def acceptance_words(acceptance: RiskAcceptance | None, today: datetime.date, score: int | None = None) -> str:
    """The state of a risk's acceptance in words: accepted until X / its acceptance expired on X / its acceptance
    covered a score of up to N / not accepted."""
    if acceptance is None:
        return "not accepted"
    if acceptance.expires_on <= today:
        return f"its acceptance expired on {day(acceptance.expires_on)}"
    if score is not None and score > acceptance.accepted_score:
        return f"its acceptance covered a score of up to {acceptance.accepted_score}"
    return f"accepted until {day(acceptance.expires_on)}"


def blocking_risks(use_case: UseCase, today: datetime.date | None = None) -> list[tuple[Risk, RiskAcceptance | None]]:
    """Live risks at or over their threshold without an acceptance in force, with their latest acceptance."""
    today = today or timezone.localdate()
    over = [risk for risk in Risk.objects.filter(use_case=use_case, mitigation_status__in=LIVE)
            if risk.needs_escalation]
    accepted = acceptances_of(over)
    return [(risk, accepted.get(risk.pk)) for risk in over
            if not is_in_force(accepted.get(risk.pk), today, risk.score)]


def risk_threshold_criteria(use_case: UseCase) -> list[Criterion]:
    """Pilot -> Controlled rollout and Controlled rollout -> Scaled: always present, met when nothing blocks."""
    today = timezone.localdate()
    blocking = blocking_risks(use_case, today)
    parts = [f"{risk.get_area_display()} (score {risk.score} against a threshold of {risk.escalation_threshold}; "
             f"{acceptance_words(acceptance, today, risk.score)})" for risk, acceptance in blocking]
    detail = f"At or over its escalation threshold: {'; '.join(parts)}. Reduce it or have the gate's " \
             "Accountable accept it." if parts else ""
    return [Criterion("risks_within_threshold", "No live risk is at or over its escalation threshold unless accepted",
                      not blocking, detail, _risks_link(use_case))]


def still_needed(acceptances: QuerySet[RiskAcceptance]) -> QuerySet[RiskAcceptance]:
    """Acceptances whose risk is still live and at or over its threshold, on a use case not stopped for good."""
    return (acceptances.annotate(risk_score=F("risk__likelihood") * F("risk__impact"))
            .filter(risk__mitigation_status__in=LIVE, risk__escalation_threshold__lte=F("risk_score"))
            .exclude(risk__use_case__stage__in=FINAL_STAGES))


def unaccepted_over_threshold(today: datetime.date) -> QuerySet[Risk]:
    """Live risks at or over their threshold without an acceptance in force, of the outer query's use case
    (``pk``): for ``Exists`` in a portfolio-wide screen; ``blocking_risks`` says the same of one use case."""
    in_force = current_acceptances().filter(risk=OuterRef("pk"), expires_on__gt=today,
                                            accepted_score__gte=OuterRef("risk_score"))
    return (Risk.objects.filter(use_case=OuterRef("pk"), mitigation_status__in=LIVE)
            .annotate(risk_score=F("likelihood") * F("impact")).filter(escalation_threshold__lte=F("risk_score"))
            .exclude(Exists(in_force)))


def permitted(user, *, page: bool = False) -> QuerySet[RiskAcceptance]:
    """Every acceptance on a use case ``user`` may see (``page``: probed row by row, for a keyset page)."""
    rows = RiskAcceptance.objects.select_related("risk__use_case", "accepted_by")
    restrict = permissions.restrict_page if page else permissions.restrict
    return restrict(rows, user, field="risk__use_case_id")
