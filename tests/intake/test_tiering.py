"""The risk-tier matrix, table-driven: every floor, thresholds at their edges."""

import pytest

from intake.models import RiskMatrixVersion
from intake.tiering import compute_tier, eu_ai_act_category

LOWEST = {
    "ai_pattern": "copilot", "data_classification": "public", "personal_data": "none",
    "decision_impact": "none", "autonomy": "assists", "exposure": "internal_small",
    "regulated_area": "", "prohibited_practice": "", "generates_content": False,
}


@pytest.fixture
def v1(db):
    return RiskMatrixVersion.objects.get(number=1)


def tier_of(v1, **answers):
    return compute_tier({**LOWEST, **answers}, v1.snapshot, v1.number)


# Seeded v1: low from 0, medium from 5, high from 10.
@pytest.mark.parametrize(
    ("answers", "score", "tier"),
    [
        ({}, 0, "low"),
        # 4 points: one below the medium edge.
        ({"data_classification": "restricted"}, 4, "low"),
        # 5 points: exactly on the medium edge.
        ({"data_classification": "restricted", "exposure": "internal_wide"}, 5, "medium"),
        # data sensitivity scores its highest matching option, not the sum.
        ({"data_classification": "restricted", "personal_data": "special_category"}, 4, "low"),
        # 9 points: one below the high edge.
        ({"data_classification": "confidential", "decision_impact": "determines", "exposure": "external"}, 9,
         "medium"),
        # 10 points: exactly on the high edge.
        ({"data_classification": "restricted", "decision_impact": "informs", "exposure": "external",
          "autonomy": "human_review"}, 10, "high"),
    ],
)
def test_score_thresholds_at_their_edges(v1, answers, score, tier):
    result = tier_of(v1, **answers)
    assert (result.score, result.tier) == (score, tier)
    assert result.explanation["floors_applied"] == []


@pytest.mark.parametrize(
    ("answers", "floor", "tier"),
    [
        ({"regulated_area": area}, "Regulated decision area (EU AI Act Annex III)", "high")
        for area in ["biometrics", "critical_infrastructure", "education", "employment",
                     "essential_services", "law_enforcement", "migration", "justice"]
    ]
    + [
        ({"autonomy": "automated", "data_classification": "restricted"},
         "Autonomous action on restricted data", "high"),
        ({"prohibited_practice": "social_scoring"}, "Prohibited practice (EU AI Act Article 5)", "prohibited"),
        ({"prohibited_practice": "emotion_recognition_workplace", "regulated_area": "employment"},
         "Prohibited practice (EU AI Act Article 5)", "prohibited"),
    ],
)
def test_every_hard_floor_overrides_the_score(v1, answers, floor, tier):
    result = tier_of(v1, **answers)
    assert result.tier == tier
    assert floor in [f["name"] for f in result.explanation["floors_applied"]]


@pytest.mark.parametrize(
    "answers",
    [
        {"autonomy": "automated", "data_classification": "confidential"},
        {"autonomy": "human_monitoring", "data_classification": "restricted"},
    ],
)
def test_autonomy_floor_needs_both_conditions(v1, answers):
    result = tier_of(v1, **answers)
    assert result.explanation["floors_applied"] == []
    assert result.tier != "high"


def test_floor_never_lowers_a_higher_score(v1):
    # Scores high on its own (18 points) and also matches the high floor.
    result = tier_of(v1, data_classification="restricted", decision_impact="determines",
                     autonomy="automated", exposure="external", regulated_area="")
    assert result.explanation["score_tier"] == "high"
    assert result.tier == "high"


def test_explanation_names_points_per_dimension_and_version(v1):
    result = tier_of(v1, data_classification="confidential", exposure="external")
    points = {d["key"]: d["points"] for d in result.explanation["dimensions"]}
    assert points == {"data_sensitivity": 2, "decision_impact": 0, "autonomy": 0, "exposure": 3,
                      "regulated_domain": 0}
    assert result.explanation["matrix_version"] == 1


@pytest.mark.parametrize(
    ("answers", "category"),
    [
        ({"prohibited_practice": "manipulation", "regulated_area": "education"}, "prohibited"),
        ({"regulated_area": "education", "ai_pattern": "chatbot"}, "high_risk"),
        ({"ai_pattern": "chatbot"}, "transparency"),
        ({"generates_content": True}, "transparency"),
        ({}, "minimal"),
    ],
)
def test_eu_ai_act_category(answers, category):
    assert eu_ai_act_category({**LOWEST, **answers}) == category
