"""Use cases through the API: what each person sees, drafts, edits, submission."""

import pytest
from django.contrib.auth.models import Group

from intake.models import UseCase
from tests.factories import KPIFactory, UseCaseFactory, UserFactory
from vendors.models import AIModel, Vendor

from .conftest import client_for

LIST = "/api/v1/use-cases/"
TIER_ANSWERS = ("ai_pattern", "data_classification", "personal_data", "decision_impact", "autonomy", "exposure",
                "regulated_area", "prohibited_practice")


def _draft(api, **answers):
    response = api.post(LIST, {"business_unit": "CUSTOPS", "title": "Ticket triage", **answers}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def test_the_representation_carries_the_contract_fields(ava_api, low_case):
    row = ava_api.get(LIST).json()["results"][0]
    assert row["reference"] == low_case.reference
    assert row["business_unit"] == "CUSTOPS"
    assert row["risk_tier"] == "low"
    assert row["status"] == "in_review" and row["stage"] == "exploration"
    assert row["business_owner"] == "olga.owner"
    assert row["updated_at"].endswith("Z")
    for name in (*TIER_ANSWERS, "eu_ai_act_category", "title"):
        assert name in row
    # An unanswered choice (or regulated_area's "none of these") reads null, never "".
    assert row["ai_pattern"] == "copilot" and row["regulated_area"] is None


def test_a_draft_has_no_tier_yet(ava_api, ava, custops):
    draft = _draft(ava_api)
    assert draft["risk_tier"] is None and draft["status"] == "draft"


def test_people_see_only_the_use_cases_they_may_see(ava_api, ben_api, gov_api, low_case, ben, fin):
    bens = UseCaseFactory(created_by=ben, business_unit=fin)
    assert [r["reference"] for r in ava_api.get(LIST).json()["results"]] == [low_case.reference]
    assert [r["reference"] for r in ben_api.get(LIST).json()["results"]] == [bens.reference]
    assert {r["reference"] for r in gov_api.get(LIST).json()["results"]} == {low_case.reference, bens.reference}


def test_another_units_use_case_is_404_everywhere(ben_api, low_case):
    ref = low_case.reference
    review = low_case.reviews.get()
    for method, url in (("get", f"{LIST}{ref}/"), ("patch", f"{LIST}{ref}/"), ("post", f"{LIST}{ref}/submit/"),
                        ("get", f"{LIST}{ref}/readiness/"), ("put", f"{LIST}{ref}/checklist/"),
                        ("post", f"{LIST}{ref}/comments/"), ("post", f"{LIST}{ref}/gate-decisions/"),
                        ("get", f"/api/v1/reviews/{review.pk}/"), ("post", f"/api/v1/reviews/{review.pk}/decide/")):
        response = getattr(ben_api, method)(url, {}, format="json")
        assert response.status_code == 404, (method, url, response.json())
    # Exactly what a reference that does not exist gets.
    assert ben_api.get(f"{LIST}UC-9999/").json() == ben_api.get(f"{LIST}{ref}/").json()
    assert ben_api.get("/api/v1/reviews/", {"use_case": ref}).json()["results"] == []


def test_a_draft_is_created_through_the_service_with_owners_by_username(ava_api, ava, owner):
    sponsor = UserFactory(username="exec.sponsor")
    sponsor.groups.add(Group.objects.get(name="executive_sponsors"))
    draft = _draft(ava_api, summary="Triage tickets", business_owner="olga.owner", executive_sponsor="exec.sponsor",
                   ai_pattern="agent", regulated_area="employment",
                   kpis=[{"name": "Handling time", "category": "process_efficiency", "unit": "minutes",
                          "baseline": "12", "target": "8", "direction": "decrease"}])
    use_case = UseCase.objects.get(reference=draft["reference"])
    assert use_case.created_by == ava and use_case.business_owner == owner and use_case.executive_sponsor == sponsor
    assert use_case.events.get().kind == "created"  # the service's timeline, not a raw insert
    assert draft["kpis"][0]["name"] == "Handling time" and draft["ai_pattern"] == "agent"
    # The default RACI gave the owner access.
    assert ava_api.get(f"{LIST}{draft['reference']}/").status_code == 200


def test_a_draft_only_for_your_own_business_unit(ava_api, fin):
    response = ava_api.post(LIST, {"business_unit": "FIN", "title": "Not mine"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"business_unit": ["Give the code of a business unit you belong to."]}


def test_invalid_answers_are_400_with_every_field(ava_api, custops):
    response = ava_api.post(LIST, {"business_unit": "CUSTOPS", "title": "", "ai_pattern": "telepathy",
                                   "business_owner": "nobody", "colour": "blue"}, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert set(errors) == {"title", "ai_pattern", "business_owner", "colour"}
    assert errors["colour"] == ["Unknown field."]
    assert errors["business_owner"] == ["No active user has the username nobody."]


def test_patch_changes_a_draft_through_the_workflow(ava_api, ava, custops):
    ref = _draft(ava_api)["reference"]
    response = ava_api.patch(f"{LIST}{ref}/", {"title": "Ticket triage v2", "exposure": "external"}, format="json")
    assert response.status_code == 200
    assert response.json()["title"] == "Ticket triage v2" and response.json()["exposure"] == "external"
    assert UseCase.objects.get(reference=ref).history.first().history_user == ava


def test_an_ineligible_sponsor_is_400_at_the_field_and_changes_nothing(ava_api, ava, ben):
    ref = _draft(ava_api)["reference"]
    for who, words in (("ben.submitter", "ben.submitter is not in executive_sponsors"),
                       ("ava.submitter", "ava.submitter created it")):
        if who == "ava.submitter":
            ava.groups.add(Group.objects.get(name="executive_sponsors"))
        response = ava_api.patch(f"{LIST}{ref}/", {"title": "Handed over", "executive_sponsor": who}, format="json")
        assert response.status_code == 400
        assert list(response.json()) == ["executive_sponsor"]
        assert response.json()["executive_sponsor"][0].startswith(words)
    use_case = UseCase.objects.get(reference=ref)
    assert (use_case.executive_sponsor, use_case.title) == (None, "Ticket triage")
    assert not use_case.raci.filter(activity__key="go_no_go").exists()
    response = ava_api.post(LIST, {"business_unit": "CUSTOPS", "title": "Idea", "executive_sponsor": "ben.submitter"},
                            format="json")
    assert response.status_code == 400 and list(response.json()) == ["executive_sponsor"]


def test_patch_of_a_submitted_use_case_is_403_with_the_reason(ava_api, low_case):
    response = ava_api.patch(f"{LIST}{low_case.reference}/", {"title": "Changed"}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == f"{low_case.reference} is in review, so its answers can no longer be changed."


def test_submitting_a_use_case_already_in_review_is_409_invalid_transition(ava_api, low_case):
    response = ava_api.post(f"{LIST}{low_case.reference}/submit/", format="json")
    assert response.status_code == 409
    assert response.json() == {"code": "invalid_transition",
                               "detail": f"{low_case.reference} is in review, so it cannot be submitted now."}


def test_someone_who_may_only_view_may_not_patch(ava, custops):
    pmo = UserFactory(username="pmo.lead")
    pmo.groups.add(Group.objects.get(name="pmo"))
    draft = UseCaseFactory(created_by=ava, business_unit=custops)
    response = client_for(pmo).patch(f"{LIST}{draft.reference}/", {"title": "Changed"}, format="json")
    assert response.status_code == 403
    assert response.json() == {"detail": "You do not have permission to do that."}


def test_submit_lists_every_missing_answer(ava_api, custops):
    ref = _draft(ava_api)["reference"]
    response = ava_api.post(f"{LIST}{ref}/submit/", format="json")
    assert response.status_code == 400
    missing = response.json()
    expected = {"summary", "problem_statement", "strategic_outcome", "portfolio_bucket", "outcome_baseline",
                "outcome_target", "outcome_time_horizon", "business_owner", "delivery_owner", "executive_sponsor",
                "data_sources", "data_classification", "personal_data", "exposure", "expected_users",
                "target_release", "ai_pattern", "autonomy", "decision_impact", "kpis"}
    assert set(missing) == expected
    assert missing["delivery_owner"] == ["Required to submit."]
    assert UseCase.objects.get(reference=ref).status == "draft"


def test_submit_tiers_the_use_case_and_opens_its_reviews(ava_api, ava, custops, owner):
    use_case = UseCaseFactory(created_by=ava, business_unit=custops, business_owner=owner)
    KPIFactory(use_case=use_case)
    response = ava_api.post(f"{LIST}{use_case.reference}/submit/", format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["risk_tier"] == "low"
    assert response.json()["status"] == "in_review"
    assert use_case.reviews.count() == 1


@pytest.mark.parametrize("query, expected", [
    ({"status": "in_review"}, ["Ticket summaries"]),
    ({"status": ["draft", "rejected"]}, ["Draft one"]),
    ({"risk_tier": "low"}, ["Ticket summaries"]),
    ({"q": "draft"}, ["Draft one"]),
    ({"business_unit": "FIN"}, []),
])
def test_filters(ava_api, ava, custops, low_case, query, expected):
    UseCaseFactory(created_by=ava, business_unit=custops, title="Draft one")
    rows = ava_api.get(LIST, query).json()["results"]
    assert [r["title"] for r in rows] == expected


def test_detail_names_its_bucket_outcome_vendors_models_and_kpis(ava_api, ava, custops):
    """Related rows as codes and ids, in a stable order: vendors by name, models by provider, name, version."""
    use_case = UseCaseFactory(created_by=ava, business_unit=custops)
    zeta, acme = Vendor.objects.create(name="Zeta AI"), Vendor.objects.create(name="Acme AI")
    later = AIModel.objects.create(provider=zeta, name="alpha", version="1", hosting="vendor_api",
                                   max_data_classification="internal", max_tier="low")
    first = AIModel.objects.create(provider=acme, name="zulu", version="2", hosting="vendor_api",
                                   max_data_classification="internal", max_tier="low")
    use_case.vendors.set([zeta, acme])
    use_case.ai_models.set([later, first])
    kpi = KPIFactory(use_case=use_case, baseline="12.50")
    body = ava_api.get(f"{LIST}{use_case.reference}/").json()
    assert body["portfolio_bucket"] == use_case.portfolio_bucket.code
    assert body["strategic_outcome"] == use_case.strategic_outcome_id
    assert body["vendors"] == [acme.pk, zeta.pk]
    assert body["ai_models"] == [first.pk, later.pk]
    assert body["kpis"] == [{"id": kpi.pk, "name": kpi.name, "category": kpi.category, "unit": kpi.unit,
                             "baseline": "12.50", "target": f"{kpi.target:.2f}", "direction": kpi.direction,
                             # Blank: measured at the policy's cadence, unpriced, no owner of its own.
                             "cadence": None, "owner": None, "value_type": None, "unit_value": None}]
    assert body["business_unit"] == custops.code


def test_detail_without_bucket_or_outcome_says_null(ava_api, ava, custops):
    use_case = UseCaseFactory(created_by=ava, business_unit=custops, portfolio_bucket=None, strategic_outcome=None)
    body = ava_api.get(f"{LIST}{use_case.reference}/").json()
    assert body["portfolio_bucket"] is None and body["strategic_outcome"] is None
    assert body["vendors"] == [] and body["ai_models"] == [] and body["kpis"] == []
