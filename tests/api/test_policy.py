"""The governance policy through the API: anyone signed in reads the version in force, a governance admin
publishes the next one (anyone else: 404, nothing written), bad numbers are 400 at their field with the
service's words, and a use case's gate is judged under, and names, the version in force."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api.serializers.policy import PolicyChangeSerializer
from reviews import services
from reviews.models import GateDecision, GovernancePolicy
from reviews.services import POLICY_FIELDS
from tests.factories import at_stage
from tests.reviews.gate_world import governance_admin, pilot_ready, rollout_ready, score_readiness

from .conftest import client_for

POLICY = "/api/v1/policy/"
PLAYBOOK_BANDS = [{"band": "strong", "min_total": 75}, {"band": "moderate", "min_total": 55},
                  {"band": "weak", "min_total": 35}, {"band": "low", "min_total": 18}]
SEEDED_CRITICAL_AREAS = ["success_criteria", "ownership", "security_readiness", "privacy_legal_readiness",
                         "production_readiness"]  # in the scorecard's order


def gate(api, use_case):
    return api.get(f"/api/v1/use-cases/{use_case.reference}/gate/")


def parsed(instant: str) -> datetime.datetime:
    assert instant.endswith("Z"), instant
    return datetime.datetime.fromisoformat(instant)


# -- reading -------------------------------------------------------------------------------------


def test_anyone_signed_in_reads_version_1_with_the_playbooks_numbers(ava_api):
    response = ava_api.get(POLICY)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert parsed(body.pop("effective_from")) == datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
    assert body == {
        "version": 1, "readiness_bands": PLAYBOOK_BANDS, "critical_areas": SEEDED_CRITICAL_AREAS,
        "critical_minimum": 3, "scale_min_total": 75, "pilot_strong_above": 30, "pilot_time_box_weeks": 12,
        "priorities_min": 3, "priorities_max": 5, "kpi_rule": "all", "kpi_min_share": 100,
        "pilot_reminder_days": 14, "concurrent_pilots_min": 3, "concurrent_pilots_max": 7,
        "impact_within_days": 180, "pilot_kpi_cadence": "weekly", "live_kpi_cadence": "monthly",
        "note": "The playbook's numbers.",
    }


def test_reading_needs_credentials(anon, db):
    assert anon.get(POLICY).status_code == 401


# -- publishing ----------------------------------------------------------------------------------


def test_a_governance_admin_publishes_version_2_in_force_now(gov_api, ava_api):
    before = timezone.now()
    response = gov_api.patch(POLICY, {
        "scale_min_total": 80, "priorities_max": 6, "kpi_rule": "share", "kpi_min_share": 80,
        "readiness_bands": [{"band": "strong", "min_total": 78}, {"band": "moderate", "min_total": 60},
                            {"band": "low", "min_total": 18}],
        "critical_areas": ["model_risk", "ownership"], "note": "Tightened after the Q3 incidents.",
    }, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert before <= parsed(body["effective_from"]) <= timezone.now()
    assert body | {"effective_from": None} == {
        "version": 2, "effective_from": None,
        "readiness_bands": [{"band": "strong", "min_total": 78}, {"band": "moderate", "min_total": 60},
                            {"band": "weak", "min_total": 35}, {"band": "low", "min_total": 18}],
        "critical_areas": ["ownership", "model_risk"],  # the scorecard's order, not the request's
        "critical_minimum": 3, "scale_min_total": 80, "pilot_strong_above": 30, "pilot_time_box_weeks": 12,
        "priorities_min": 3, "priorities_max": 6, "kpi_rule": "share", "kpi_min_share": 80,
        "pilot_reminder_days": 14, "concurrent_pilots_min": 3, "concurrent_pilots_max": 7,
        "impact_within_days": 180, "pilot_kpi_cadence": "weekly", "live_kpi_cadence": "monthly",
        "note": "Tightened after the Q3 incidents.",
    }
    assert ava_api.get(POLICY).json() == body  # in force for everyone from now on
    assert GovernancePolicy.objects.get(version=1).scale_min_total == 75  # a version never changes


def test_what_a_change_leaves_out_carries_over(gov_api):
    gov_api.patch(POLICY, {"critical_areas": ["model_risk"], "critical_minimum": 4}, format="json")
    response = gov_api.patch(POLICY, {"pilot_time_box_weeks": 8}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["version"], body["pilot_time_box_weeks"], body["critical_minimum"], body["critical_areas"]) == (
        3, 8, 4, ["model_risk"])
    assert body["readiness_bands"] == PLAYBOOK_BANDS


def test_the_concurrent_pilot_range_is_refused_upside_down_at_its_field(gov_api):
    response = gov_api.patch(POLICY, {"concurrent_pilots_min": 5, "concurrent_pilots_max": 4}, format="json")
    assert response.status_code == 400
    assert "concurrent_pilots_max" in str(response.json())
    assert GovernancePolicy.objects.count() == 1


def test_the_bands_read_can_be_written_back(gov_api):
    bands = gov_api.get(POLICY).json()["readiness_bands"]
    bands[2]["min_total"] = 40
    response = gov_api.patch(POLICY, {"readiness_bands": bands}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["readiness_bands"][2] == {"band": "weak", "min_total": 40}


def test_a_governance_admin_by_group_publishes_too(db):
    response = client_for(governance_admin()).patch(POLICY, {"priorities_min": 2}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["priorities_min"] == 2


@pytest.mark.parametrize("persona", ["ava_api", "sec_api"])
def test_anyone_else_gets_404_and_nothing_is_written(db, request, persona):
    api = request.getfixturevalue(persona)
    response = api.patch(POLICY, {"scale_min_total": 80}, format="json")
    assert response.status_code == 404
    assert set(response.json()) == {"detail"}
    assert list(GovernancePolicy.objects.values_list("version", flat=True)) == [1]


# (body, field, message): each refused at the field the caller would change, nothing written.
BAD_INPUT = [
    ({"moderate_min_total": 80}, "moderate_min_total", "The moderate band must start below the strong band (75)."),
    ({"strong_min_total": 50}, "moderate_min_total", "The moderate band must start below the strong band (50)."),
    ({"readiness_bands": [{"band": "strong", "min_total": 75}, {"band": "moderate", "min_total": 80}]},
     "readiness_bands", "The moderate band must start below the strong band (75)."),
    ({"readiness_bands": [{"band": "strong", "min_total": 50}]},
     "readiness_bands", "The moderate band must start below the strong band (50)."),
    ({"readiness_bands": [{"band": "low", "min_total": 20}]}, "readiness_bands",
     "The low band always starts at 18 (every area scored 1): give 18, or leave it out."),
    ({"readiness_bands": [{"band": "weak", "min_total": 30}, {"band": "weak", "min_total": 31}]},
     "readiness_bands", "The weak band is given twice."),
    ({"readiness_bands": [{"band": "weak", "min_total": 30}], "weak_min_total": 30}, "readiness_bands",
     "Give a band's start here or as weak_min_total, not both."),
    ({"critical_minimum": 0}, "critical_minimum", "Ensure this value is greater than or equal to 1."),
    ({"scale_min_total": 91}, "scale_min_total", "Ensure this value is less than or equal to 90."),
    ({"priorities_max": 2}, "priorities_max", "At least the fewest priorities (3)."),
    ({"priorities_min": 6}, "priorities_max", "At least the fewest priorities (6)."),
    ({"kpi_min_share": 80}, "kpi_min_share", "With every KPI at target, the share is 100%."),
    ({"critical_areas": ["ownership", "vibes"]}, "critical_areas", "No readiness area is called vibes."),
    ({"colour": "red"}, "colour", "Unknown field."),
    ({"version": 7}, "version", "Unknown field."),
    ({"scale_min_total": "high"}, "scale_min_total", "A valid integer is required."),
]


@pytest.mark.parametrize("body, field, message", BAD_INPUT)
def test_bad_input_is_400_at_its_field(gov_api, body, field, message):
    response = gov_api.patch(POLICY, body, format="json")
    assert response.status_code == 400
    assert response.json() == {field: [message]}
    assert GovernancePolicy.objects.count() == 1


def test_a_change_takes_every_number_of_the_policy():
    # A number the service learns is a field here too (or the API would refuse it as unknown).
    assert set(PolicyChangeSerializer().fields) == {*POLICY_FIELDS, "readiness_bands", "critical_areas", "note"}


@pytest.mark.parametrize("field, value", [("critical_minimum", 0), ("scale_min_total", 91)])
def test_a_number_out_of_range_is_refused_in_the_services_words(gov_api, field, value):
    with pytest.raises(ValidationError) as refused:
        services.policy_publish(actor=governance_admin(), changes={field: value})
    response = gov_api.patch(POLICY, {field: value}, format="json")
    assert response.json() == {field: refused.value.message_dict[field]}


def test_every_error_of_the_service_comes_at_once(gov_api):
    response = gov_api.patch(POLICY, {"priorities_max": 2, "critical_areas": ["vibes"]}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"priorities_max", "critical_areas"}


# -- a use case's gate, judged under the policy in force ---------------------------------------


def in_pilot(ava, custops):
    return pilot_ready(ava, custops)[0]


def in_controlled_rollout(ava, custops):
    return rollout_ready(ava, custops)[0]


def scaled(ava, custops):
    return at_stage(rollout_ready(ava, custops)[0], "scaled")


@pytest.mark.parametrize("build, stage, next_stage, keys", [
    (in_pilot, "pilot", "controlled_rollout",
     # pilot_ready scores 4 everywhere: Moderate, so the gap-closure plan applies (and has no gap to close)
     ["reviews_approved", "conditions_met", "risks_within_threshold", "readiness", "gap_closure_plan",
      "independent_signoff", "checklist", "vendors_approved"]),
    (in_controlled_rollout, "controlled_rollout", "scaled",
     ["value_evidenced", "readiness_total", "critical_areas", "independent_signoff", "risks_within_threshold",
      "support_model", "conditions_met"]),
    (scaled, "scaled", None, []),
])
def test_the_gate_lists_its_criteria_under_the_policy_in_force(ava, custops, ava_api, build, stage, next_stage,
                                                               keys):
    response = gate(ava_api, build(ava, custops))
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["stage"], body["next_stage"], body["policy_version"]) == (stage, next_stage, 1)
    assert [c["key"] for c in body["criteria"]] == keys
    for criterion in body["criteria"]:
        assert set(criterion) == {"key", "label", "met", "detail"}
        assert criterion["met"] and criterion["detail"] == "", criterion


def test_the_gate_names_the_numbers_of_the_version_in_force(ava, custops, ava_api, gov_api):
    use_case, owner, _sponsor = rollout_ready(ava, custops)
    score_readiness(use_case, owner, score=4, success_criteria=5, ownership=5, security_readiness=5,
                    privacy_legal_readiness=5, production_readiness=5, model_risk=5, data_readiness=5,
                    value_case=5)  # 10 x 4 + 8 x 5 = 80
    criteria = {c["key"]: c for c in gate(ava_api, use_case).json()["criteria"]}
    assert criteria["readiness_total"] == {"key": "readiness_total", "label": "The readiness total is at least 75",
                                           "met": True, "detail": ""}
    assert criteria["critical_areas"]["label"] == "No critical readiness area scores below 3"

    response = gov_api.patch(POLICY, {"scale_min_total": 85, "critical_minimum": 5}, format="json")
    assert response.status_code == 200, response.json()

    body = gate(ava_api, use_case).json()
    assert body["policy_version"] == 2
    criteria = {c["key"]: c for c in body["criteria"]}
    assert criteria["readiness_total"] == {"key": "readiness_total", "label": "The readiness total is at least 85",
                                           "met": False, "detail": "Total 80/90."}
    assert criteria["critical_areas"]["label"] == "No critical readiness area scores below 5"
    assert criteria["critical_areas"]["met"] is True  # the seeded critical areas all score 5


def test_a_use_case_you_cannot_see_has_no_gate(ava, custops, ben_api, ava_api):
    use_case = in_pilot(ava, custops)
    response = gate(ben_api, use_case)
    assert response.status_code == 404
    assert set(response.json()) == {"detail"}
    assert ava_api.get("/api/v1/use-cases/UC-NOPE/gate/").status_code == 404


# -- gate decisions name their version -------------------------------------------------------------


def test_a_gate_decision_names_the_version_it_was_judged_under(ava, custops, gov, gov_api):
    use_case, _owner, sponsor = pilot_ready(ava, custops)
    decided = services.gate_decide(use_case=use_case, actor=sponsor, outcome="pause",
                                   rationale="Waiting for the budget to be confirmed.")
    older = GateDecision.objects.create(use_case=use_case, outcome="pause", from_stage="paused", to_stage="paused",
                                        rationale="Recorded before policy versions.", decided_by=gov)
    gov_api.patch(POLICY, {"scale_min_total": 85}, format="json")  # a later version rewrites nothing
    assert gov_api.get(f"/api/v1/gate-decisions/{decided.pk}/").json()["policy_version"] == 1
    assert gov_api.get(f"/api/v1/gate-decisions/{older.pk}/").json()["policy_version"] is None
    listed = {row["id"]: row["policy_version"] for row in gov_api.get("/api/v1/gate-decisions/").json()["results"]}
    assert listed == {decided.pk: 1, older.pk: None}


def test_the_gate_decision_list_stays_constant_with_versions(ava, custops, gov, gov_api):
    use_case = pilot_ready(ava, custops)[0]
    policies = [services.policy_publish(actor=gov, changes={"pilot_time_box_weeks": weeks}) for weeks in range(2, 8)]
    for policy in policies:
        GateDecision.objects.create(use_case=use_case, outcome="pause", from_stage="paused", to_stage="paused",
                                    rationale="Judged under its own version.", decided_by=gov, policy=policy)

    def count(size):
        with CaptureQueriesContext(connection) as queries:
            assert gov_api.get("/api/v1/gate-decisions/", {"page_size": size}).status_code == 200
        return len(queries.captured_queries)

    count(2)  # warm the per-process caches
    assert count(2) == count(6)
