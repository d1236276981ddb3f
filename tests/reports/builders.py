"""A portfolio for the reports tests, written straight to the tables (the
workflow's own tests cover how records get there): use cases across stages and
tiers, with KPIs and actuals, reviews, risks, gate decisions, readiness,
incidents and conditions, so every section of a pack has rows."""

import datetime
from decimal import Decimal

from django.utils import timezone

from intake.choices import Stage
from reviews.models import (
    GateDecision,
    Incident,
    KPIActual,
    ReadinessArea,
    ReadinessScore,
    Review,
    ReviewCondition,
    Risk,
)
from tests.factories import KPIFactory, UseCaseFactory

STAGES = [Stage.EXPLORATION, Stage.PILOT, Stage.CONTROLLED_ROLLOUT, Stage.SCALED, Stage.PAUSED]
TIERS = ["low", "medium", "high"]
REVIEW_STATUSES = ["approved", "open", "escalated", "changes_requested", "in_progress"]


def risk(use_case, likelihood: int, impact: int, **kwargs) -> Risk:
    defaults = {"area": "output_reliability", "description": f"Risk {likelihood}x{impact} on {use_case.reference}",
                "mitigation_status": "open", "owner": use_case.business_owner}
    return Risk.objects.create(use_case=use_case, likelihood=likelihood, impact=impact, **{**defaults, **kwargs})


def add_use_cases(count: int, *, business_unit, created_by, start: int = 0) -> list:
    """``count`` use cases with a bit of everything; the i-th gets stage, tier and statuses by i."""
    today = timezone.localdate()
    areas = list(ReadinessArea.objects.all())
    made = []
    for i in range(start, start + count):
        uc = UseCaseFactory(created_by=created_by, business_unit=business_unit, status="in_review",
                            stage=STAGES[i % len(STAGES)], risk_tier=TIERS[i % 3], eu_ai_act_category="minimal",
                            submitted_at=timezone.now())
        kpi = KPIFactory(use_case=uc)
        KPIActual.objects.create(kpi=kpi, measured_on=today - datetime.timedelta(days=20), value=Decimal("9"),
                                 recorded_by=created_by)
        review = Review.objects.create(use_case=uc, function="security", stage=uc.stage,
                                       status=REVIEW_STATUSES[i % len(REVIEW_STATUSES)],
                                       due_date=today - datetime.timedelta(days=i % 4),
                                       decided_at=timezone.now() if i % 2 else None)
        ReviewCondition.objects.create(review=review, text="Run a rollback drill.", owner=created_by,
                                       due_date=today - datetime.timedelta(days=3))
        risk(uc, 1 + i % 5, 1 + (i * 2) % 5)
        risk(uc, 5, 5 if i % 2 else 3, mitigation_status="mitigating", escalation_threshold=15)
        GateDecision.objects.create(use_case=uc, outcome="scale", from_stage="exploration", to_stage="pilot",
                                    rationale="Problem and owners are clear.", decided_by=created_by)
        Incident.objects.create(use_case=uc, severity=1 + i % 4, title=f"Incident {i}", what_happened="It broke.",
                                occurred_at=timezone.now(), reported_by=created_by)
        ReadinessScore.objects.bulk_create(
            ReadinessScore(use_case=uc, area=area, score=4, scored_by=created_by) for area in areas[: 10 + i % 9])
        made.append(uc)
    return made
