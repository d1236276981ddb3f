"""Submission opens one review per function the tier requires, due by its SLA."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import InvalidTransition
from intake.models import TierRequirement
from reviews import services
from reviews.services import workflow
from tests.factories import KPIFactory, UseCaseFactory

from .conftest import HIGH, MEDIUM
from .factories import ReviewFactory, submitted_use_case

TIERS = [
    ("low", {}, {"security"}),
    ("medium", MEDIUM, {"security", "privacy", "architecture"}),
    ("high", HIGH, {"security", "privacy", "legal", "compliance", "model_risk", "architecture"}),
]


@pytest.mark.parametrize(("tier", "answers", "functions"), TIERS, ids=[t[0] for t in TIERS])
def test_submission_opens_one_review_per_required_function(ava, custops, tier, answers, functions):
    use_case = submitted_use_case(created_by=ava, business_unit=custops, **answers)

    assert use_case.risk_tier == tier
    reviews = list(use_case.reviews.all())
    assert sorted(r.function for r in reviews) == sorted(functions)
    assert {(r.status, r.cycle, r.stage, r.decision) for r in reviews} == {("open", 1, "exploration", "")}
    assert use_case.status == "in_review"


def test_due_dates_follow_each_functions_sla(ava, custops):
    TierRequirement.objects.filter(tier="medium", function="privacy").update(sla_days=3)
    use_case = submitted_use_case(created_by=ava, business_unit=custops, **MEDIUM)

    today = timezone.localdate()
    due = {r.function: r.due_date for r in use_case.reviews.all()}
    assert due == {
        "security": today + datetime.timedelta(days=10),
        "privacy": today + datetime.timedelta(days=3),
        "architecture": today + datetime.timedelta(days=10),
    }


def test_opening_again_adds_nothing(low_case, ava):
    assert workflow.open_required_reviews(use_case=low_case, actor=ava) == []
    assert low_case.reviews.count() == 1


def test_a_draft_gets_no_reviews(ava, custops):
    draft = UseCaseFactory(created_by=ava, business_unit=custops)
    KPIFactory(use_case=draft)

    assert workflow.open_required_reviews(use_case=draft, actor=ava) == []
    assert not draft.reviews.exists()


def test_stage_records_the_stage_the_review_gates(ava, custops):
    use_case = UseCaseFactory(created_by=ava, business_unit=custops, stage="pilot")
    KPIFactory(use_case=use_case)
    services.use_case_submit(use_case=use_case, actor=ava)

    assert use_case.reviews.get().stage == "pilot"


def test_a_tier_change_opens_the_reviews_now_required(low_case, gov):
    security = low_case.reviews.get()

    updated = services.use_case_update(use_case=low_case, actor=gov, answers=MEDIUM)

    assert updated.risk_tier == "medium"
    assert set(updated.reviews.values_list("function", flat=True)) == {"security", "privacy", "architecture"}
    assert updated.reviews.get(function="security").pk == security.pk  # kept, not duplicated
    assert updated.status == "in_review"


def test_one_review_per_function_and_cycle_in_the_database(low_case):
    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewFactory(use_case=low_case, function="security", cycle=1)
    ReviewFactory(use_case=low_case, function="security", cycle=2)  # a re-review cycle is fine


def test_a_tier_going_down_withdraws_the_untouched_reviews_no_longer_required(medium_case, gov, priv):
    services.review_decide(review=medium_case.reviews.get(function="privacy"), actor=priv, decision="approve",
                           rationale="No personal data leaves the organisation.")

    updated = services.use_case_update(use_case=medium_case, actor=gov,
                                       answers={"data_classification": "internal", "exposure": "internal_small"})

    assert updated.risk_tier == "low"
    # Security is still required; privacy was decided and stays; architecture was never touched: withdrawn.
    assert set(updated.reviews.values_list("function", flat=True)) == {"security", "privacy"}
    event = updated.events.get(kind="reviews_withdrawn")
    assert event.note == "No longer required at the Low tier: Architecture review withdrawn."
    assert event.actor == gov


def test_a_withdrawn_review_no_longer_blocks_approval(medium_case, gov, sec):
    services.use_case_update(use_case=medium_case, actor=gov,
                             answers={"data_classification": "internal", "exposure": "internal_small"})

    services.review_decide(review=medium_case.reviews.get(function="security"), actor=sec, decision="approve",
                           rationale="Controls are adequate for an internal pilot.")

    medium_case.refresh_from_db()
    assert medium_case.status == "approved"


def test_an_override_to_prohibited_rejects_the_use_case_and_approves_nothing(medium_case, gov, sec):
    services.review_decide(review=medium_case.reviews.get(function="security"), actor=sec, decision="approve",
                           rationale="Controls are adequate for an internal pilot.")

    updated = services.use_case_override_tier(use_case=medium_case, actor=gov, tier="prohibited",
                                              justification="Scores customers' emotions: a prohibited practice.")

    assert (updated.risk_tier, updated.status) == ("prohibited", "rejected")
    event = updated.events.get(kind="status_rejected")
    assert "Prohibited by a governance override: Scores customers' emotions" in event.note
    with pytest.raises(InvalidTransition, match="rejected; its reviews can no longer be decided"):
        services.review_decide(review=medium_case.reviews.get(function="privacy"), actor=gov, decision="approve",
                               rationale="Too late: it is prohibited.")
