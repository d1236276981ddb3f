"""Risk acceptances in the API: the gate's A accepts a risk over its threshold (POST, with Idempotency-Key), and
anyone who sees the use case lists and reads them (delta sync, ETag); 404 for the unseen, 403 with the reason
for the use case's own people, 400 at the field for bad input."""

import datetime

import pytest
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from api.models import Tombstone
from reviews.models import Risk, RiskAcceptance
from tests.factories import UseCaseFactory, UserFactory
from tests.reviews.factories import RiskFactory
from tests.reviews.gate_world import pilot_ready

from .conftest import client_for, list_queries_stay_flat

LIST = "/api/v1/risk-acceptances/"
RATIONALE = "Customer value outweighs it for the 12-week rollout."
CONTROLS = "Weekly sampling of transcripts by the privacy team."
FIELDS = {"id", "risk", "use_case", "rationale", "compensating_controls", "expires_on", "accepted_by",
          "accepted_at", "updated_at", "expired", "in_force"}


def _day(days: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


@pytest.fixture
def gate(ava, custops):
    """A low-tier use case in pilot, with a live risk at 16 against 15; the sponsor is its gate's A."""
    use_case, owner, sponsor = pilot_ready(ava, custops)
    risk = RiskFactory(use_case=use_case, likelihood=4, impact=4, mitigation_status="open")
    return use_case, owner, sponsor, risk


def _body(risk, /, **overrides) -> dict:
    """Good input; an ``expires_on`` given as a whole number is that many days from today (the test's instant)."""
    body = {"risk": risk.pk, "rationale": RATIONALE, "compensating_controls": CONTROLS, "expires_on": 30, **overrides}
    if isinstance(body["expires_on"], int):
        body["expires_on"] = _day(body["expires_on"])
    return body


def test_the_sponsor_accepts_and_whoever_sees_the_use_case_reads_it(gate, ava_api):
    use_case, _owner, sponsor, risk = gate
    start = timezone.now()
    created = client_for(sponsor).post(LIST, _body(risk), format="json")
    assert created.status_code == 201, created.json()
    row = created.json()
    assert set(row) == FIELDS
    assert row == {**row, "risk": risk.pk, "use_case": use_case.reference, "rationale": RATIONALE,
                   "compensating_controls": CONTROLS, "expires_on": _day(30), "accepted_by": sponsor.username,
                   "expired": False, "in_force": True}
    assert row["accepted_at"].endswith("Z") and row["updated_at"].endswith("Z")

    listed = ava_api.get(LIST, {"use_case": use_case.reference})
    assert listed.status_code == 200 and listed.json()["results"] == [row]
    assert ava_api.get(LIST, {"risk": risk.pk}).json()["results"] == [row]
    assert ava_api.get(LIST, {"use_case": "UC-9999"}).json()["results"] == []
    one = ava_api.get(f"{LIST}{row['id']}/")
    assert one.status_code == 200 and one.json() == row and one["ETag"]
    assert [r["id"] for r in ava_api.get(LIST, {"updated_since": start.isoformat()}).json()["results"]] == [row["id"]]
    later = (timezone.now() + datetime.timedelta(seconds=1)).isoformat()
    assert ava_api.get(LIST, {"updated_since": later}).json()["results"] == []


def test_an_expired_acceptance_says_so(gate, ava_api):
    _use_case, _owner, sponsor, risk = gate
    RiskAcceptance.objects.create(risk=risk, rationale=RATIONALE, compensating_controls=CONTROLS,
                                  expires_on=timezone.localdate(), accepted_by=sponsor)
    [row] = ava_api.get(LIST).json()["results"]
    assert (row["expired"], row["in_force"]) == (True, False)


def test_only_the_risks_latest_unexpired_acceptance_at_its_score_is_in_force(gate, ava_api):
    _use_case, _owner, sponsor, risk = gate
    made = [RiskAcceptance.objects.create(risk=risk, rationale=RATIONALE, compensating_controls=CONTROLS,
                                          expires_on=timezone.localdate() + datetime.timedelta(days=days),
                                          accepted_score=16, accepted_by=sponsor) for days in (90, 30)]
    rows = {row["id"]: row for row in ava_api.get(LIST).json()["results"]}
    assert [rows[a.pk]["in_force"] for a in made] == [False, True]  # a newer one replaces it, expiring sooner
    assert ava_api.get(f"{LIST}{made[1].pk}/").json()["in_force"] is True
    Risk.objects.filter(pk=risk.pk).update(impact=5)  # 20: outgrown what was accepted at 16
    assert ava_api.get(f"{LIST}{made[1].pk}/").json()["in_force"] is False


def test_a_retry_with_the_same_idempotency_key_accepts_once(gate):
    _use_case, _owner, sponsor, risk = gate
    api = client_for(sponsor)
    first = api.post(LIST, _body(risk), format="json", HTTP_IDEMPOTENCY_KEY="accept-risk-1")
    again = api.post(LIST, _body(risk), format="json", HTTP_IDEMPOTENCY_KEY="accept-risk-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert RiskAcceptance.objects.count() == 1


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"rationale": ""}, "rationale", "Say why the risk is accepted (10 to 5000 characters)."),
    ({"rationale": None}, "rationale", None),
    ({"compensating_controls": "short"}, "compensating_controls",
     "Say which controls make up for it while it is accepted (10 to 5000 characters)."),
    ({"expires_on": None}, "expires_on", "Give the day the acceptance ends."),
    ({"expires_on": 0}, "expires_on", "Give a day after today: from that day the risk blocks the gates again."),
    ({"expires_on": 400}, "expires_on", "Accept a risk for at most 365 days; accept it again when that runs "
                                              "out."),
    ({"expires_on": "next week"}, "expires_on", None),
    ({"risk": "sixteen"}, "risk", None),
    ({"risk": 0}, "risk", None),
    ({"risk": 2**63}, "risk", None),
    ({"rationale": "Because\x00of this."}, "rationale", None),
    ({"priority": "high"}, "priority", "Unknown field."),
], ids=["blank-rationale", "null-rationale", "short-controls", "no-expiry", "expires-today", "over-a-year",
        "not-a-date", "risk-not-a-number", "risk-zero", "risk-too-big", "nul-byte", "unknown-field"])
def test_bad_input_is_400_at_its_field_and_nothing_is_written(gate, changes, field, message):
    _use_case, _owner, sponsor, risk = gate
    response = client_for(sponsor).post(LIST, _body(risk, **changes), format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()
    if message:
        assert response.json()[field] == [message]
    assert not RiskAcceptance.objects.exists()


def test_missing_fields_are_each_named(gate):
    _use_case, _owner, sponsor, risk = gate
    response = client_for(sponsor).post(LIST, {"risk": risk.pk}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"rationale", "compensating_controls", "expires_on"}
    assert client_for(sponsor).post(LIST, {}, format="json").json() == {"risk": ["This field is required."]}


def test_a_risk_under_its_threshold_is_refused_with_why(gate):
    use_case, _owner, sponsor, _risk = gate
    calm = RiskFactory(use_case=use_case, likelihood=2, impact=2, mitigation_status="open")
    response = client_for(sponsor).post(LIST, _body(calm), format="json")
    assert response.status_code == 400
    assert response.json() == {"risk": ["This risk scores 4, below its escalation threshold of 15: it does not block "
                                        "a gate, so there is nothing to accept."]}


def test_the_use_cases_own_people_are_refused_with_the_reason(gate, ava_api):
    _use_case, owner, _sponsor, risk = gate
    for api in (ava_api, client_for(owner)):
        response = api.post(LIST, _body(risk), format="json")
        assert response.status_code == 403
        assert response.json()["detail"]
    assert not RiskAcceptance.objects.exists()


def test_an_unseen_risk_is_404_everywhere(gate, ben_api):
    _use_case, _owner, sponsor, risk = gate
    accepted = client_for(sponsor).post(LIST, _body(risk), format="json").json()
    assert ben_api.post(LIST, _body(risk), format="json").status_code == 404
    assert ben_api.post(LIST, _body(risk, risk=risk.pk + 1000), format="json").status_code == 404
    assert ben_api.get(f"{LIST}{accepted['id']}/").status_code == 404
    assert ben_api.get(LIST).json()["results"] == []
    assert client_for(UserFactory()).post(LIST, _body(risk), format="json").status_code == 404
    assert RiskAcceptance.objects.count() == 1


def test_a_deleted_acceptance_leaves_a_tombstone_for_those_who_saw_it(gate, ava_api, ben_api):
    _use_case, _owner, sponsor, risk = gate
    accepted = client_for(sponsor).post(LIST, _body(risk), format="json").json()
    Risk.objects.filter(pk=risk.pk).delete()
    tombstone = Tombstone.objects.get(resource="risk-acceptances")
    assert (tombstone.object_id, tombstone.use_case_id) == (str(accepted["id"]), risk.use_case_id)
    assert {r["id"] for r in ava_api.get("/api/v1/deletions/", {"resource": "risk-acceptances"}).json()["results"]}
    assert ben_api.get("/api/v1/deletions/", {"resource": "risk-acceptances"}).json()["results"] == []


def _acceptances(ava, custops, count: int) -> None:
    for _ in range(count):
        risk = RiskFactory(use_case=UseCaseFactory(created_by=ava, business_unit=custops), likelihood=5, impact=5)
        RiskAcceptance.objects.create(risk=risk, rationale=RATIONALE, compensating_controls=CONTROLS,
                                      expires_on=timezone.localdate(), accepted_by=UserFactory())


@pytest.mark.parametrize("who", ["gov", "ava"])
def test_list_queries_do_not_grow_with_the_rows(request, ava, custops, who):
    list_queries_stay_flat(client_for(request.getfixturevalue(who)), LIST,
                           lambda n: _acceptances(ava, custops, n), ceiling=6)


def test_the_schema_declares_the_operations_and_their_errors(db):
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    assert set(paths[LIST]) >= {"get", "post"}
    assert set(paths[LIST]["post"]["responses"]) >= {"201", "400", "403", "404", "409"}
    assert "Idempotency-Key" in {p["name"] for p in paths[LIST]["post"]["parameters"] if p["in"] == "header"}
    assert "ETag" in paths[f"{LIST}{{id}}/"]["get"]["responses"]["200"]["headers"]
