"""POST /api/v1/use-cases/{reference}/gate/reviews/ opens the gate's review cycle (the page's service), and the
checklist's review items are derived: marked, never ticked."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reviews import services
from tests.factories import UserFactory
from tests.reviews.conftest import MEDIUM
from tests.reviews.factories import reviewer
from tests.reviews.gate_world import pilot_ready

from .conftest import client_for

pytestmark = pytest.mark.django_db


def _url(use_case, tail="gate/reviews/") -> str:
    return f"/api/v1/use-cases/{use_case.reference}/{tail}"


@pytest.fixture
def world(ava, custops):
    return pilot_ready(ava, custops, **MEDIUM)


def test_asking_returns_the_opened_reviews_and_the_gate_lists_them(world):
    use_case, owner, _sponsor = world
    api = client_for(owner)
    response = api.post(_url(use_case), format="json")
    assert response.status_code == 201
    body = response.json()
    assert [(r["function"], r["stage"], r["cycle"], r["status"], r["use_case"]) for r in body] == [
        ("privacy", "pilot", 2, "open", use_case.reference), ("security", "pilot", 2, "open", use_case.reference)]
    gate = api.get(_url(use_case, "gate/")).json()
    [criterion] = [c for c in gate["criteria"] if c["key"] == "gate_reviews"]
    assert criterion["met"] is False
    assert criterion["detail"] == "Not yet approved at this gate: Privacy (open), Security (open)."


def test_asking_twice_is_a_conflict_and_opens_nothing(world):
    use_case, owner, _sponsor = world
    api = client_for(owner)
    assert api.post(_url(use_case)).status_code == 201
    again = api.post(_url(use_case))
    assert again.status_code == 409
    assert again.json()["code"] == "invalid_transition"
    assert "already requested" in again.json()["detail"]
    assert use_case.reviews.count() == 5


def test_a_gate_closed_or_stageless_is_a_conflict(world):
    use_case, owner, _sponsor = world
    use_case.stage = "scaled"
    use_case.save()
    response = client_for(owner).post(_url(use_case))
    assert response.status_code == 409 and "Pilot and in Controlled rollout" in response.json()["detail"]


def test_unseen_is_404_and_a_reviewer_is_refused_with_the_reason(world, ben):
    use_case, _owner, _sponsor = world
    assert client_for(ben).post(_url(use_case)).status_code == 404
    assert client_for(UserFactory()).post(_url(use_case)).status_code == 404
    refused = client_for(reviewer("privacy")).post(_url(use_case))
    assert refused.status_code == 403
    assert "asked for by the people who record its gate evidence" in refused.json()["detail"]
    assert use_case.reviews.count() == 3


def test_the_sponsor_may_ask_too(world):
    use_case, _owner, sponsor = world
    assert client_for(sponsor).post(_url(use_case)).status_code == 201


def test_the_reply_reads_a_constant_number_of_queries(ava, custops, warm_caches):
    counts = []
    for answers in (MEDIUM, {"regulated_area": "employment"}):  # 2 functions, then 5
        use_case, owner, _sponsor = pilot_ready(ava, custops, **answers)
        api = client_for(owner)
        with CaptureQueriesContext(connection) as queries:
            assert api.post(_url(use_case)).status_code == 201
        counts.append((len(queries), use_case.reviews.filter(cycle=2).count()))
    (small, two), (big, five) = counts
    assert (two, five) == (2, 5)
    # Each opened review is one insert and its history row; reading them back is constant.
    assert big - small == 2 * (five - two)


# -- the checklist's review items -----------------------------------------------------------------------------


def test_the_checklist_marks_the_review_items_derived_and_refuses_a_tick(world):
    use_case, owner, _sponsor = world
    api = client_for(owner)
    api.post(_url(use_case))
    body = api.get(_url(use_case, "checklist/")).json()
    assert body["items"]["security_review"] == {"ready": False, "evidence": "", "derived": True,
                                                "reason": "Security review: open."}
    assert body["items"]["ownership"]["derived"] is False
    refused = api.put(_url(use_case, "checklist/"), {"items": {"security_review": {
        "ready": True, "evidence": "Looks fine to us."}}}, format="json")
    assert refused.status_code == 400
    assert refused.json() == {"security_review": [
        "Security review follows the security review's decision; it cannot be ticked."]}
    same = api.put(_url(use_case, "checklist/"), {"items": {"security_review": {
        "ready": False, "evidence": "Re-review asked."}}}, format="json")
    assert same.status_code == 200 and same.json()["items"]["security_review"]["evidence"] == "Re-review asked."


def test_the_review_item_follows_the_decision(world):
    use_case, owner, _sponsor = world
    api = client_for(owner)
    for review in services.gate_reviews_request(use_case=use_case, actor=owner):
        decider = reviewer(review.function, f"{review.function}.lead")
        services.review_decide(review=review, actor=decider, decision="approve",
                               rationale="Re-reviewed at the pilot gate.")
    item = api.get(_url(use_case, "checklist/")).json()["items"]["privacy_legal_review"]
    assert item["ready"] is True and item["reason"].startswith("Privacy review: approved by privacy.lead on ")
