"""Builders for gate tests: a use case with every piece of evidence in place,
so each test can take exactly one piece away."""

import datetime
from decimal import Decimal

from django.contrib.auth.models import Group

from intake import services as intake_services
from intake.models import PILOT_CRITERIA
from reviews import selectors, services
from reviews.models import ChecklistItem, ReadinessArea
from tests.factories import UserFactory, at_stage

from .factories import reviewer, submitted_use_case


def governance_admin():
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name="governance_admins"))
    return user


def approve_all_reviews(use_case, *, conditions=()):
    for review in selectors.reviews_in_cycle(use_case):
        decider = reviewer(review.function)
        decision = "approve_with_conditions" if conditions else "approve"
        services.review_decide(review=review, actor=decider, decision=decision,
                               rationale="Reviewed the design and the controls.", conditions=conditions)


def score_readiness(use_case, actor, score=4, **overrides):
    scores = {area.key: overrides.get(area.key, score) for area in ReadinessArea.objects.all()}
    services.readiness_record(use_case=use_case, actor=actor, scores=scores)


def tick_checklist(use_case, actor, *, except_keys=()):
    # The review items follow the review decisions: never ticked.
    items = {item.key: {"ready": item.key not in except_keys, "evidence": "Signed off in the pilot review."}
             for item in ChecklistItem.objects.all() if not item.review_functions}
    services.checklist_record(use_case=use_case, actor=actor, items=items)


def meet_kpis(use_case, actor, *, miss=()):
    for kpi in use_case.kpis.all():
        value = kpi.baseline if kpi.name in miss else kpi.target
        services.kpi_actual_record(kpi=kpi, actor=actor, measured_on=datetime.date(2026, 11, 1), value=value)


def pilot_ready(ava, custops, *, stage="pilot", **answers):
    """A low-tier use case at ``stage`` with all pilot -> controlled rollout evidence met."""
    owner, sponsor = UserFactory(), UserFactory()
    sponsor.groups.add(Group.objects.get(name="executive_sponsors"))
    use_case = submitted_use_case(created_by=ava, business_unit=custops, business_owner=owner,
                                  executive_sponsor=sponsor, **answers)
    admin = governance_admin()
    intake_services.pilot_selection_record(use_case=use_case, actor=admin, scores=dict.fromkeys(PILOT_CRITERIA, 3))
    approve_all_reviews(use_case)
    at_stage(use_case, stage)
    score_readiness(use_case, owner)
    tick_checklist(use_case, owner)
    use_case.refresh_from_db()
    return use_case, owner, sponsor


def rollout_ready(ava, custops):
    """A use case in controlled rollout with all controlled rollout -> scaled evidence met (readiness 90)."""
    use_case, owner, sponsor = pilot_ready(ava, custops, stage="controlled_rollout")
    meet_kpis(use_case, owner)
    score_readiness(use_case, owner, score=5)
    return use_case, owner, sponsor


__all__ = ["Decimal", "approve_all_reviews", "governance_admin", "meet_kpis", "pilot_ready", "rollout_ready",
           "score_readiness", "tick_checklist"]
