"""Review decisions, gate decisions and comments: the reviews services, through the API."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from intake import services as intake_services
from reviews.models import GateDecision, ReviewCondition
from tests.factories import UseCaseFactory, UserFactory
from tests.reviews.gate_world import pilot_ready, tick_checklist

from .conftest import client_for

RATIONALE = "Reviewed the design, the data flows and the controls."


def _decide(api, review, **body):
    return api.post(f"/api/v1/reviews/{review.pk}/decide/", {"rationale": RATIONALE, **body}, format="json")


def test_a_reviewer_decides_through_the_service(sec_api, sec, low_case):
    review = low_case.reviews.get()
    response = _decide(sec_api, review, decision="approve")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "approved" and body["decision"] == "approve" and body["decided_by"] == "sec.reviewer"
    assert body["use_case"] == low_case.reference
    assert review.decisions.get().decided_by == sec  # the append-only log the service writes
    low_case.refresh_from_db()
    assert low_case.status == "approved"


def test_separation_of_duties_is_403_with_the_reason(ava, ava_api, low_case):
    ava.groups.add(Group.objects.get(name="security"))  # a reviewer, but she submitted it
    response = _decide(ava_api, low_case.reviews.get(), decision="approve")
    assert response.status_code == 403
    assert response.json()["detail"].startswith(f"Separation of duties: you submitted {low_case.reference}")


def test_approval_with_conditions_names_owners_by_username(sec_api, low_case, owner):
    due = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    response = _decide(sec_api, low_case.reviews.get(), decision="approve_with_conditions",
                       conditions=[{"text": "Add a monitoring dashboard", "owner": "olga.owner", "due_date": due}])
    assert response.status_code == 200, response.json()
    assert response.json()["conditions"][0]["owner"] == "olga.owner"
    assert ReviewCondition.objects.get().owner == owner


def test_bad_decisions_are_400_with_the_services_messages(sec_api, low_case):
    review = low_case.reviews.get()
    past = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    response = _decide(sec_api, review, decision="approve_with_conditions",
                       conditions=[{"text": "Add a dashboard", "owner": "olga.owner", "due_date": past}])
    assert response.status_code == 400
    assert response.json() == {"conditions": ["Condition 1: give a due date from today on."]}
    response = _decide(sec_api, review, decision="maybe", rationale="short")
    assert response.status_code == 400
    assert set(response.json()) == {"decision"}
    assert _decide(sec_api, review, decision="approve").status_code == 200
    again = _decide(sec_api, review, decision="stop")
    assert again.status_code == 400
    assert again.json()["non_field_errors"][0].startswith("This review was already decided by")


def test_a_refused_scale_is_409_listing_every_unmet_criterion(ava, custops):
    use_case, owner, sponsor = pilot_ready(ava, custops)
    tick_checklist(use_case, owner, except_keys=("support_model", "rollback_readiness"))
    response = client_for(sponsor).post(f"/api/v1/use-cases/{use_case.reference}/gate-decisions/",
                                        {"outcome": "scale", "rationale": RATIONALE}, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["unmet"] == [{"key": "checklist", "label": "The rollout checklist is ready", "met": False,
                              "detail": "Not ready: Rollback readiness, Support model (training, adoption)."}]
    assert body["detail"].startswith("This gate cannot be passed yet.")
    assert not GateDecision.objects.exists()


def test_the_sponsor_scales_a_ready_use_case(ava, custops):
    use_case, _owner, sponsor = pilot_ready(ava, custops)
    response = client_for(sponsor).post(f"/api/v1/use-cases/{use_case.reference}/gate-decisions/",
                                        {"outcome": "scale", "rationale": RATIONALE}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["outcome"], body["from_stage"], body["to_stage"]) == ("scale", "pilot", "controlled_rollout")
    assert all(c["met"] for c in body["criteria"])
    listed = client_for(sponsor).get("/api/v1/gate-decisions/", {"use_case": use_case.reference}).json()
    assert [d["id"] for d in listed["results"]] == [body["id"]]


def test_a_pivot_needs_its_redesign_note(ava, custops):
    use_case, _owner, sponsor = pilot_ready(ava, custops)
    url = f"/api/v1/use-cases/{use_case.reference}/gate-decisions/"
    response = client_for(sponsor).post(url, {"outcome": "pivot", "rationale": RATIONALE, "to_stage": "exploration"},
                                        format="json")
    assert response.status_code == 400
    assert response.json() == {"redesign_note": ["A pivot needs a redesign note (at least 10 characters)."]}


@pytest.mark.parametrize("outcome", ["pause", "pivot", "kill"])
def test_a_gate_on_a_draft_is_409_and_records_nothing(ava, custops, outcome):
    sponsor = UserFactory(username="sue.sponsor")
    sponsor.groups.add(Group.objects.get(name="executive_sponsors"))
    draft = UseCaseFactory(created_by=ava, business_unit=custops, executive_sponsor=sponsor)
    response = client_for(sponsor).post(f"/api/v1/use-cases/{draft.reference}/gate-decisions/",
                                        {"outcome": outcome, "rationale": RATIONALE, "to_stage": "exploration",
                                         "redesign_note": "Rework the workflow around the CRM."}, format="json")
    assert response.status_code == 409
    assert response.json() == {
        "code": "invalid_transition",
        "detail": f"{draft.reference} is a draft: its stage gates are decided once it has been submitted."}
    assert not GateDecision.objects.exists()
    draft.refresh_from_db()
    assert draft.stage == "exploration"


def test_a_gate_on_a_withdrawn_use_case_is_409(ava, custops):
    use_case, owner, sponsor = pilot_ready(ava, custops)
    intake_services.use_case_withdraw(use_case=use_case, actor=owner, reason="Superseded by another tool.")
    response = client_for(sponsor).post(f"/api/v1/use-cases/{use_case.reference}/gate-decisions/",
                                        {"outcome": "pause", "rationale": RATIONALE}, format="json")
    assert response.status_code == 409
    assert response.json() == {"code": "invalid_transition",
                               "detail": f"{use_case.reference} is withdrawn: it has no more stage gates."}
    assert not GateDecision.objects.exists()


def test_only_the_go_no_go_accountable_decides_gates(ava_api, ava, custops):
    use_case, _owner, _sponsor = pilot_ready(ava, custops)
    response = ava_api.post(f"/api/v1/use-cases/{use_case.reference}/gate-decisions/",
                            {"outcome": "pause", "rationale": RATIONALE}, format="json")
    assert response.status_code == 403


def test_comments(ava_api, ben_api, sec_api, low_case):
    url = f"/api/v1/use-cases/{low_case.reference}/comments/"
    review = low_case.reviews.get()
    response = sec_api.post(url, {"body": "Which retention period applies?", "review": review.pk}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["author"] == "sec.reviewer" and response.json()["review"] == review.pk
    assert ava_api.post(url, {"body": ""}, format="json").status_code == 400
    assert ava_api.post(url, {"body": "ok", "review": 999999}, format="json").json() == {
        "review": ["This use case has no review with that id."]}
    assert ben_api.post(url, {"body": "Hello"}, format="json").status_code == 404


def test_the_review_list_shows_each_review_as_its_own_page_does(sec_api, low_case, owner):
    """The list renders plain rows and attaches conditions per page; the detail renders the instance."""
    soon, later = (timezone.localdate() + datetime.timedelta(days=d) for d in (10, 40))
    review = low_case.reviews.get()
    response = _decide(sec_api, review, decision="approve_with_conditions", conditions=[
        {"text": "Publish the model card", "owner": "olga.owner", "due_date": later.isoformat()},
        {"text": "Add a monitoring dashboard", "owner": "olga.owner", "due_date": soon.isoformat()}])
    assert response.status_code == 200, response.json()
    listed = sec_api.get("/api/v1/reviews/").json()["results"]
    shown = sec_api.get(f"/api/v1/reviews/{review.pk}/").json()
    assert listed == [shown] == [response.json()]
    assert [(c["text"], c["owner"], c["met"]) for c in shown["conditions"]] == [
        ("Add a monitoring dashboard", "olga.owner", False), ("Publish the model card", "olga.owner", False)]
    assert shown["use_case"] == low_case.reference and shown["decided_by"] == "sec.reviewer"
