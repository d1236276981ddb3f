"""Readiness, pilot selection, the rollout checklist, risks, incidents and KPI actuals: round trips."""

from django.contrib.auth.models import Group

from api.serializers.evidence import CHECKLIST_ITEMS, READINESS_AREAS
from intake.models import PILOT_CRITERIA
from tests.factories import UserFactory

from .conftest import client_for


def _url(use_case, what):
    return f"/api/v1/use-cases/{use_case.reference}/{what}/"


def test_readiness_round_trip(owner, low_case):
    api = client_for(owner)  # A on the outcome: records evidence
    empty = api.get(_url(low_case, "readiness")).json()
    assert empty["total"] == 0 and empty["band"] is None and empty["complete"] is False
    assert empty["gate_blocked"] is True and "success_criteria" in empty["blocking_areas"]
    assert set(empty["scores"]) == set(READINESS_AREAS) and empty["scores"]["value_case"] is None

    partial = api.put(_url(low_case, "readiness"), {"scores": {"value_case": 4}}, format="json").json()
    assert partial["scores"]["value_case"] == 4 and partial["band"] is None

    scores = dict.fromkeys(READINESS_AREAS, 5) | {"security_readiness": 2}
    response = api.put(_url(low_case, "readiness"), {"scores": scores}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["total"] == 87 and body["band"] == "strong" and body["complete"] is True
    assert body["gate_blocked"] is True and body["blocking_areas"] == ["security_readiness"]
    assert api.get(_url(low_case, "readiness")).json() == body


def test_readiness_input_is_checked(owner, sec_api, low_case):
    api = client_for(owner)
    response = api.put(_url(low_case, "readiness"), {"scores": {"value_case": 6, "vibes": 3}}, format="json")
    assert response.status_code == 400
    assert response.json() == {"scores": {"vibes": ["Unknown field."],
                                          "value_case": ["Ensure this value is less than or equal to 5."]}}
    refused = sec_api.put(_url(low_case, "readiness"), {"scores": {"value_case": 3}}, format="json")
    assert refused.status_code == 403  # sees it, may not record evidence


def test_pilot_selection_round_trip(ava_api, low_case):
    pmo = UserFactory(username="pmo.lead")
    pmo.groups.add(Group.objects.get(name="pmo"))
    api = client_for(pmo)
    assert api.get(_url(low_case, "pilot-selection")).json()["total"] is None
    scores = dict.fromkeys(PILOT_CRITERIA, 3) | {"risk_exposure": 2}
    response = api.put(_url(low_case, "pilot-selection"), {"scores": scores, "note": "Good fit."}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["total"] == 35 and body["strong_candidate"] is True and body["scored_by"] == "pmo.lead"
    assert body["scores"] == scores
    assert ava_api.get(_url(low_case, "pilot-selection")).json()["total"] == 35  # anyone who sees it reads it
    # Only the PMO and governance admins score it.
    refused = ava_api.put(_url(low_case, "pilot-selection"), {"scores": scores}, format="json")
    assert refused.status_code == 403
    missing = api.put(_url(low_case, "pilot-selection"), {"scores": {"ownership": 1}}, format="json")
    assert missing.status_code == 400 and len(missing.json()["scores"]) == 11


def test_checklist_round_trip(owner, low_case):
    api = client_for(owner)
    empty = api.get(_url(low_case, "checklist")).json()
    # The review items follow the reviews: security's is open, privacy & legal is not required at low tier.
    derived = ("security_review", "privacy_legal_review")
    assert {key for key, item in empty["items"].items() if item["derived"]} == set(derived)
    assert empty["items"]["privacy_legal_review"]["reason"] == "Not required for its tier."
    assert empty["all_ready"] is False and empty["not_ready"] == [k for k in CHECKLIST_ITEMS if k != derived[1]]
    no_evidence = api.put(_url(low_case, "checklist"), {"items": {"ownership": {"ready": True}}}, format="json")
    assert no_evidence.status_code == 400
    assert no_evidence.json() == {"ownership": ["A ready item needs its evidence: say what shows it is ready."]}
    items = {key: {"ready": True, "evidence": "Signed off."} for key in CHECKLIST_ITEMS if key != derived[0]}
    response = api.put(_url(low_case, "checklist"), {"items": items}, format="json")
    assert response.status_code == 200
    assert response.json()["not_ready"] == ["security_review"]
    assert response.json()["items"]["ownership"] == {"ready": True, "evidence": "Signed off.", "derived": False,
                                                     "reason": ""}


def test_risks_incidents_and_kpi_actuals(owner, sec_api, ben_api, low_case):
    api = client_for(owner)
    risk = api.post("/api/v1/risks/", {"use_case": low_case.reference, "area": "data_privacy",
                                       "description": "Tickets may hold card numbers.", "likelihood": 3,
                                       "impact": 4, "owner": "olga.owner"}, format="json")
    assert risk.status_code == 201, risk.json()
    assert risk.json()["score"] == 12 and risk.json()["owner"] == "olga.owner"
    changed = api.patch(f"/api/v1/risks/{risk.json()['id']}/", {"mitigation_status": "mitigated"}, format="json")
    assert changed.status_code == 200 and changed.json()["mitigation_status"] == "mitigated"
    assert ben_api.patch(f"/api/v1/risks/{risk.json()['id']}/", {"impact": 1}, format="json").status_code == 404

    incident = api.post("/api/v1/incidents/", {"use_case": low_case.reference, "severity": 3, "title": "Bad summary",
                                               "what_happened": "A summary missed a refund.",
                                               "occurred_at": "2026-03-01T10:00:00Z"}, format="json")
    assert incident.status_code == 201, incident.json()
    assert incident.json()["occurred_at"] == "2026-03-01T10:00:00Z"

    kpi = low_case.kpis.get()
    actual = api.post(f"/api/v1/kpis/{kpi.pk}/actuals/", {"measured_on": "2026-03-01", "value": "9.5"}, format="json")
    assert actual.status_code == 201, actual.json()
    assert actual.json()["value"] == "9.50"
    # A viewer without the evidence role is refused with the reason.
    refused = sec_api.post(f"/api/v1/kpis/{kpi.pk}/actuals/", {"measured_on": "2026-03-02", "value": "9"},
                           format="json")
    assert refused.status_code == 403
    assert ben_api.get(f"/api/v1/kpis/{kpi.pk}/").status_code == 404


def test_an_area_scored_1_is_signed_off_by_someone_independent(owner, sec, low_case):
    """The team scores 1; the security reviewer (independent of the use case) reviews it through the API."""
    client_for(owner).put(_url(low_case, "readiness"), {"scores": {"vendor_readiness": 1}}, format="json")
    assert client_for(owner).get(_url(low_case, "readiness")).json()["needs_independent_review"] == [
        "vendor_readiness"]
    own = client_for(owner).post(f"{_url(low_case, 'readiness')}signoffs/",
                                 {"area": "vendor_readiness", "review": "We reviewed it ourselves."}, format="json")
    assert own.status_code == 403 and "review function" in own.json()["detail"]
    short = client_for(sec).post(f"{_url(low_case, 'readiness')}signoffs/",
                                 {"area": "vendor_readiness", "review": "ok"}, format="json")
    assert short.status_code == 400 and list(short.json()) == ["review"]
    done = client_for(sec).post(f"{_url(low_case, 'readiness')}signoffs/",
                                {"area": "vendor_readiness", "review": "Checked the exit plan: acceptable."},
                                format="json")
    assert done.status_code == 200, done.json()
    assert done.json()["needs_independent_review"] == [] and done["ETag"]
