"""Intake services: drafts, submission, re-tiering, overrides, matrix versions."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.errors import InvalidTransition
from intake import services
from intake.models import RiskMatrixVersion, TierAssessment, TierThreshold, UseCase
from reviews import selectors as review_selectors
from reviews import services as workflow
from tests.factories import KPIFactory, UseCaseFactory


@pytest.fixture
def complete(ava, custops):
    use_case = UseCaseFactory(business_unit=custops, created_by=ava)
    KPIFactory(use_case=use_case)
    return use_case


def test_draft_accepts_partial_answers_and_gets_a_reference(ava, custops):
    first = services.use_case_create(actor=ava, business_unit=custops, answers={"title": "Idea"})
    second = services.use_case_create(actor=ava, business_unit=custops, answers={"title": "Other"})
    assert (first.status, first.risk_tier) == ("draft", None)
    assert (first.reference, second.reference) == ("UC-0001", "UC-0002")


def test_reference_is_never_reused_after_a_delete(ava, custops):
    first = services.use_case_create(actor=ava, business_unit=custops, answers={"title": "Idea"})
    first.delete()
    again = services.use_case_create(actor=ava, business_unit=custops, answers={"title": "Again"})
    assert again.reference == "UC-0002"


def test_draft_rejects_bad_values_with_field_errors(ava, custops):
    with pytest.raises(ValidationError) as err:
        services.use_case_create(actor=ava, business_unit=custops,
                                 answers={"title": "x" * 201, "autonomy": "rogue"})
    assert set(err.value.message_dict) == {"title", "autonomy"}
    assert not UseCase.objects.exists()


def test_submit_lists_every_missing_field_at_once(ava, custops):
    draft = services.use_case_create(actor=ava, business_unit=custops, answers={"title": "Idea"})
    with pytest.raises(ValidationError) as err:
        workflow.use_case_submit(use_case=draft, actor=ava)
    missing = err.value.message_dict
    assert {"summary", "problem_statement", "business_owner", "data_classification", "autonomy",
            "exposure", "kpis"} <= set(missing)
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_submit_tiers_and_records_history(complete, ava):
    submitted = workflow.use_case_submit(use_case=complete, actor=ava)
    # Submitting tiers it and opens the reviews its tier requires.
    assert (submitted.status, submitted.risk_tier, submitted.eu_ai_act_category) == ("in_review", "low", "minimal")
    assert submitted.matrix_version.number == 1
    assessment = TierAssessment.objects.get(use_case=submitted)
    assert (assessment.reason, assessment.effective_tier) == ("submitted", "low")
    assert [e.kind for e in submitted.events.all()] == ["submitted", "status_in_review"]
    assert submitted.history.first().history_user == ava


def test_prohibited_practice_cannot_be_submitted(complete, ava):
    complete.prohibited_practice = "social_scoring"
    complete.save()
    with pytest.raises(ValidationError) as err:
        workflow.use_case_submit(use_case=complete, actor=ava)
    assert "Article 5" in err.value.message_dict["prohibited_practice"][0]


def test_submitted_use_case_cannot_be_submitted_again(complete, ava):
    workflow.use_case_submit(use_case=complete, actor=ava)
    with pytest.raises(InvalidTransition, match="is in review, so it cannot be submitted"):
        workflow.use_case_submit(use_case=complete, actor=ava)


def test_changing_a_tier_driving_answer_retiers_with_history(complete, ava, gov):
    workflow.use_case_submit(use_case=complete, actor=ava)
    changed = workflow.use_case_update(use_case=complete, actor=gov, answers={"regulated_area": "employment"})
    assert changed.risk_tier == "high"
    assert changed.eu_ai_act_category == "high_risk"
    assert list(changed.tier_assessments.values_list("reason", "effective_tier")) == [
        ("answers_changed", "high"), ("submitted", "low")]


def test_changing_other_answers_does_not_retier(complete, ava, gov):
    workflow.use_case_submit(use_case=complete, actor=ava)
    workflow.use_case_update(use_case=complete, actor=gov, answers={"summary": "Clearer summary"})
    assert complete.tier_assessments.count() == 1


def test_override_needs_a_written_justification(complete, ava, gov):
    workflow.use_case_submit(use_case=complete, actor=ava)
    with pytest.raises(ValidationError) as err:
        workflow.use_case_override_tier(use_case=complete, actor=gov, tier="high", justification="because")
    assert "justification" in err.value.message_dict
    complete.refresh_from_db()
    assert complete.risk_tier == "low"


def test_override_sets_tier_and_keeps_computed_beside_it(complete, ava, gov):
    workflow.use_case_submit(use_case=complete, actor=ava)
    why = "Customer data flows to a new vendor; treat as high until reviewed."
    result = workflow.use_case_override_tier(use_case=complete, actor=gov, tier="high", justification=why)
    assert (result.risk_tier, result.computed_tier, result.tier_override_by) == ("high", "low", gov)
    assert result.tier_assessments.first().justification == why
    assert result.history.first().history_user == gov


def test_override_survives_a_recomputation(complete, ava, gov):
    workflow.use_case_submit(use_case=complete, actor=ava)
    workflow.use_case_override_tier(use_case=complete, actor=gov, tier="high",
                                    justification="Board asked for high scrutiny of all agents.")
    updated = workflow.use_case_update(use_case=complete, actor=gov, answers={"exposure": "internal_wide"})
    assert (updated.risk_tier, updated.computed_tier) == ("high", "low")


def test_editing_the_matrix_publishes_a_new_version_used_by_new_tiers(complete, ava, gov):
    TierThreshold.objects.filter(tier="medium").update(min_score=0)
    version = services.matrix_publish(actor=gov, note="Everything at least medium")
    assert version.number == 2
    assert services.matrix_publish(actor=gov) is None  # nothing changed since
    submitted = workflow.use_case_submit(use_case=complete, actor=ava)
    assert (submitted.risk_tier, submitted.matrix_version) == ("medium", version)
    assert RiskMatrixVersion.objects.get(number=1).snapshot["thresholds"][1]["min_score"] == 5


def test_pilot_selection_total_and_strong_flag(complete, gov):
    # The cut-off is the governance policy's (30 by default; tests/reviews/test_policy.py moves it).
    strong = review_selectors.strong_candidate
    scores = dict.fromkeys(services.PILOT_CRITERIA, 3)
    scores["ownership"] = 2
    selection = services.pilot_selection_record(use_case=complete, actor=gov, scores=scores)
    assert (selection.total, strong(selection.total)) == (35, True)
    scores.update(dict.fromkeys(["business_problem", "value_potential", "workflow_fit", "user_adoption"], 2))
    selection = services.pilot_selection_record(use_case=complete, actor=gov, scores=scores)
    assert (selection.total, strong(selection.total)) == (31, True)
    scores["data_readiness"] = 2
    selection = services.pilot_selection_record(use_case=complete, actor=gov, scores=scores)
    assert (selection.total, strong(selection.total)) == (30, False)


@pytest.mark.parametrize("bad", [0, 4, "3", None, True])
def test_pilot_selection_rejects_out_of_range_scores(complete, gov, bad):
    scores = dict.fromkeys(services.PILOT_CRITERIA, 2)
    scores["ownership"] = bad
    with pytest.raises(ValidationError) as err:
        services.pilot_selection_record(use_case=complete, actor=gov, scores=scores)
    assert list(err.value.message_dict) == ["ownership"]


def test_submitted_answers_are_frozen_for_the_submitter(complete, ava):
    workflow.use_case_submit(use_case=complete, actor=ava)
    with pytest.raises(PermissionDenied, match="is in review, so its answers can no longer be changed"):
        workflow.use_case_update(use_case=complete, actor=ava, answers={"summary": "Sneaky edit"})
    complete.refresh_from_db()
    assert complete.summary != "Sneaky edit"
