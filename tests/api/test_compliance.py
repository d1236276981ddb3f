"""Compliance frameworks and obligation registers in the API: frameworks and their requirements are read by
anyone signed in (in the framework's order); a use case's obligations by whoever sees the use case (404 for
everyone else); an obligation is changed with PATCH, which links suggested records and changes the status in
one go through ``compliance.services.obligation_update``: its refusals come back at their fields (400), with
the reason (403), or as 404 for the unseen. Reads carry an ETag (304 on If-None-Match), writes take If-Match."""

import datetime
import json
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

import compliance
from compliance.models import CrosswalkEntry, Obligation, ObligationEvidence
from compliance.selectors import coverage
from intake.models import ServiceAccount
from reviews import services as review_services
from tests.factories import UserFactory
from tests.reviews.factories import submitted_use_case
from tests.reviews.gate_world import approve_all_reviews

from .conftest import client_for

FRAMEWORKS = "/api/v1/frameworks/"
OBLIGATION_FIELDS = {"id", "framework", "identifier", "title", "status", "owner", "justification", "accepted_until",
                     "evidence", "suggested", "required_before", "applicable", "satisfied", "updated_at"}
REQUIREMENT_FIELDS = {"identifier", "title", "parent", "applies_from", "guidance", "scope", "assessable",
                      "applies_from_source", "required_before", "deprecated", "updated_at"}
WHY = "The system only ranks CVs already shortlisted by a person; no decision rests on it."


def _day(days: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


@pytest.fixture
def people(db):
    """The business owner (one of the use case's own people) and the executive sponsor (its gate's A)."""
    owner, sponsor = UserFactory(username="olga.owner"), UserFactory(username="sam.sponsor")
    sponsor.groups.add(Group.objects.get(name="executive_sponsors"))
    return owner, sponsor


@pytest.fixture
def hiring(ava, custops, people):
    """ava's high-risk CV screening (employment) that her company builds: an EU AI Act provider."""
    owner, sponsor = people
    return submitted_use_case(created_by=ava, business_unit=custops, business_owner=owner, executive_sponsor=sponsor,
                              title="CV screening", regulated_area="employment", ai_act_role="provider")


def _register(api, use_case, **params) -> list[dict]:
    response = api.get(f"/api/v1/use-cases/{use_case.reference}/obligations/", {"page_size": 200, **params})
    assert response.status_code == 200, response.json()
    return response.json()["results"]


def _obligation(api, use_case, identifier: str) -> dict:
    return next(row for row in _register(api, use_case) if row["identifier"] == identifier)


def _url(row: dict) -> str:
    return f"/api/v1/obligations/{row['id']}/"


def _all_pages(api, url: str, **params) -> list[dict]:
    rows, page = [], api.get(url, params).json()
    while True:
        rows += page["results"]
        if not page["next"]:
            return rows
        page = api.get(page["next"]).json()


# -- frameworks and requirements ------------------------------------------------------------------


def test_anyone_signed_in_lists_the_frameworks_and_reads_one_by_key(ben_api, anon):
    rows = ben_api.get(FRAMEWORKS).json()["results"]
    assert {"eu-ai-act", "nist-ai-rmf", "iso-42001"} <= {row["key"] for row in rows}
    eu = next(row for row in rows if row["key"] == "eu-ai-act")
    assert set(eu) == {"key", "name", "version", "publisher", "published", "source", "copyright", "updated_at"}
    assert eu["version"] >= 1 and eu["updated_at"].endswith("Z")
    one = ben_api.get(f"{FRAMEWORKS}eu-ai-act/")
    assert one.status_code == 200 and one.json() == eu and one["ETag"]
    assert ben_api.get(f"{FRAMEWORKS}no-such-framework/").json() == {"detail": "No Framework matches the given query."}
    assert anon.get(FRAMEWORKS).status_code == 401


def test_a_framework_read_again_with_its_etag_is_304(ben_api):
    first = ben_api.get(f"{FRAMEWORKS}iso-42001/")
    again = ben_api.get(f"{FRAMEWORKS}iso-42001/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == first["ETag"]
    other = ben_api.get(f"{FRAMEWORKS}iso-42001/", HTTP_IF_NONE_MATCH='"something-else"')
    assert other.status_code == 200 and other.json() == first.json()


def test_requirements_name_their_parent_by_identifier(ben_api):
    nist = {r["identifier"]: r for r in _all_pages(ben_api, f"{FRAMEWORKS}nist-ai-rmf/requirements/", page_size=200)}
    assert set(nist["GOVERN 1.1"]) == REQUIREMENT_FIELDS
    assert nist["GOVERN 1.1"]["parent"] == "GOVERN 1" and nist["GOVERN 1"]["parent"] == "GOVERN"
    assert nist["GOVERN"]["parent"] is None and nist["GOVERN"]["assessable"] is False
    eu = {r["identifier"]: r for r in _all_pages(ben_api, f"{FRAMEWORKS}eu-ai-act/requirements/", page_size=200)}
    assert eu["Art. 50(1)"]["parent"] == "Art. 50"
    assert eu["Art. 9"] == {**eu["Art. 9"], "parent": None, "applies_from": "2027-12-02", "scope": "system",
                            "required_before": "controlled_rollout", "deprecated": False}
    assert eu["Art. 4"]["required_before"] is None and eu["Art. 4"]["scope"] == "organisation"


@pytest.mark.parametrize("key", ["eu-ai-act", "nist-ai-rmf", "iso-42001"])
def test_requirements_come_page_by_page_in_the_frameworks_order(ben_api, key):
    written = json.loads((Path(compliance.__file__).parent / "frameworks" / f"{key}.json").read_text())
    paged = _all_pages(ben_api, f"{FRAMEWORKS}{key}/requirements/", page_size=7)
    assert [r["identifier"] for r in paged] == [r["identifier"] for r in written["requirements"]]
    second = ben_api.get(ben_api.get(f"{FRAMEWORKS}{key}/requirements/", {"page_size": 7}).json()["next"]).json()
    back = ben_api.get(second["previous"]).json()
    assert [r["identifier"] for r in back["results"]] == [r["identifier"] for r in paged[:7]]


def test_requirements_of_an_unknown_framework_or_with_a_bad_cursor(ben_api):
    assert ben_api.get(f"{FRAMEWORKS}no-such-framework/requirements/").status_code == 404
    bad = ben_api.get(f"{FRAMEWORKS}eu-ai-act/requirements/", {"cursor": "not-a-cursor"})
    assert bad.status_code == 400 and "cursor" in bad.json()


# -- a use case's register ------------------------------------------------------------------------


def test_a_high_risk_providers_register_holds_article_9_needed_before_controlled_rollout(hiring, ava_api):
    rows = _register(ava_api, hiring)
    art9 = next(row for row in rows if row["identifier"] == "Art. 9")
    assert set(art9) == OBLIGATION_FIELDS
    assert art9 == {**art9, "framework": "eu-ai-act", "status": "not_started", "evidence": [], "justification": "",
                    "required_before": "controlled_rollout", "accepted_until": None,
                    "owner": hiring.delivery_owner.username}
    model_risk = hiring.reviews.get(function="model_risk")
    assert {"record_type": "reviews.review", "record_id": model_risk.pk, "label": "Model risk review",
            "state": "open", "linked": False} in art9["suggested"]
    identifiers = {(row["framework"], row["identifier"]) for row in rows}
    assert {("nist-ai-rmf", "MAP 1.5"), ("iso-42001", "A.5.2")} <= identifiers
    assert ("eu-ai-act", "Art. 26") not in identifiers  # a deployer's duty
    assert ("eu-ai-act", "Art. 4") not in identifiers  # the organisation's register, not the use case's
    assert {row["framework"] for row in _register(ava_api, hiring, framework="eu-ai-act")} == {"eu-ai-act"}


def test_a_deployers_register_has_the_deployers_duties(ava, custops, ava_api):
    deployer = submitted_use_case(created_by=ava, business_unit=custops, regulated_area="employment",
                                  ai_act_role="deployer")
    identifiers = {row["identifier"] for row in _register(ava_api, deployer, framework="eu-ai-act")}
    assert "Art. 26" in identifiers and "Art. 9" not in identifiers


def test_another_business_unit_sees_neither_the_register_nor_its_obligations(hiring, ava_api, ben_api):
    art9 = _obligation(ava_api, hiring, "Art. 9")
    for response in (ben_api.get(f"/api/v1/use-cases/{hiring.reference}/obligations/"),
                     ben_api.get(_url(art9)),
                     ben_api.patch(_url(art9), {"status": "in_progress"}, format="json")):
        assert response.status_code == 404
        assert "Art. 9" not in json.dumps(response.json())
    assert ben_api.get("/api/v1/use-cases/UC-9999/obligations/").status_code == 404
    assert Obligation.objects.get(pk=art9["id"]).status == "not_started"


def test_the_organisations_register_is_read_by_all_and_worked_by_governance_admins(db, ben_api, gov_api):
    art4 = Obligation.objects.get(use_case=None, requirement__identifier="Art. 4")
    row = ben_api.get(f"/api/v1/obligations/{art4.pk}/")
    assert row.status_code == 200
    assert row.json() == {**row.json(), "framework": "eu-ai-act", "identifier": "Art. 4", "suggested": [],
                          "required_before": None}
    refused = ben_api.patch(f"/api/v1/obligations/{art4.pk}/", {"status": "in_progress"}, format="json")
    assert refused.status_code == 403
    assert refused.json() == {"detail": "Only governance admins work the organisation's register."}
    done = gov_api.patch(f"/api/v1/obligations/{art4.pk}/", {"status": "in_progress"}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "in_progress"


def test_the_organisation_register_is_evidenced_by_upload_and_then_met(db, ben_api, gov_api, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    art4 = Obligation.objects.get(use_case=None, requirement__identifier="Art. 4")
    url = f"/api/v1/obligations/{art4.pk}/evidence/"
    policy = SimpleUploadedFile("ai-literacy-plan.txt", b"Training plan for all staff using AI.\n", "text/plain")
    assert ben_api.post(url, {"file": policy}, format="multipart").status_code == 403
    bad = gov_api.post(url, {"file": SimpleUploadedFile("x.exe", b"MZ", "application/octet-stream")},
                       format="multipart")
    assert bad.status_code == 400 and "file" in bad.json()
    policy.seek(0)
    added = gov_api.post(url, {"file": policy, "note": "Annual AI literacy plan"}, format="multipart")
    assert added.status_code == 201, added.json()
    [evidence] = added.json()["evidence"]
    assert evidence == {**evidence, "kind": "upload", "label": "ai-literacy-plan.txt",
                        "note": "Annual AI literacy plan"}
    met = gov_api.patch(f"/api/v1/obligations/{art4.pk}/", {"status": "met"}, format="json")
    assert met.status_code == 200 and met.json()["status"] == "met"
    kept = gov_api.delete(f"{url}{evidence['id']}/")
    assert kept.status_code == 400 and "mark it in progress" in kept.json()["evidence"][0]
    gov_api.patch(f"/api/v1/obligations/{art4.pk}/", {"status": "in_progress"}, format="json")
    assert gov_api.delete(f"{url}{evidence['id']}/").status_code == 204
    assert gov_api.delete(f"{url}{evidence['id']}/").status_code == 404
    assert gov_api.get(f"/api/v1/obligations/{art4.pk}/").json()["evidence"] == []


# -- changing an obligation -----------------------------------------------------------------------


def test_met_without_evidence_is_refused_at_evidence(hiring, ava_api):
    art9 = _obligation(ava_api, hiring, "Art. 9")
    response = ava_api.patch(_url(art9), {"status": "met"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"evidence": ["Link or upload the evidence before marking it met."]}
    assert ava_api.get(_url(art9)).json()["status"] == "not_started"


@pytest.mark.parametrize("justification", [None, "", "Not relevant."], ids=["missing", "blank", "too-short"])
def test_not_applicable_needs_a_justification(hiring, ava_api, gov_api, justification):
    art9 = _obligation(ava_api, hiring, "Art. 9")
    body = {"status": "not_applicable"} if justification is None else {"status": "not_applicable",
                                                                       "justification": justification}
    response = gov_api.patch(_url(art9), body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["justification"]
    assert "auditors read this statement" in response.json()["justification"][0]
    assert ava_api.get(_url(art9)).json()["status"] == "not_started"


def test_not_applicable_with_its_justification_is_kept(hiring, ava_api, gov_api):
    art10 = _obligation(ava_api, hiring, "Art. 10")
    response = gov_api.patch(_url(art10), {"status": "not_applicable", "justification": WHY}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json() == {**art10, "status": "not_applicable", "satisfied": True, "justification": WHY,
                               "updated_at": response.json()["updated_at"]}
    assert _obligation(ava_api, hiring, "Art. 10") == response.json()


def test_linking_a_suggested_record_and_marking_met_in_one_patch(hiring, ava_api):
    approve_all_reviews(hiring)
    art9 = _obligation(ava_api, hiring, "Art. 9")
    review = hiring.reviews.get(function="model_risk")
    body = {"evidence": [{"record_type": "reviews.review", "record_id": review.pk}], "status": "met"}
    response = ava_api.patch(_url(art9), body, format="json")
    assert response.status_code == 200, response.json()
    row = response.json()
    assert row["status"] == "met"
    [evidence] = row["evidence"]
    assert evidence == {**evidence, "kind": "record", "control": "review_function", "record_type": "reviews.review",
                        "record_id": review.pk, "label": "Model risk review", "note": ""}
    assert evidence["added_at"].endswith("Z")
    assert {"record_type": "reviews.review", "record_id": review.pk, "label": "Model risk review",
            "state": "approved", "linked": True} in row["suggested"]
    assert _obligation(ava_api, hiring, "Art. 9") == row
    again = ava_api.patch(_url(art9), {"evidence": body["evidence"]}, format="json")  # linked once, kept once
    assert again.status_code == 200 and len(again.json()["evidence"]) == 1


def test_the_use_cases_own_people_may_not_waive_an_obligation_a_gate_waits_for(hiring, ava_api):
    art9 = _obligation(ava_api, hiring, "Art. 9")
    refused = ava_api.patch(_url(art9), {"status": "not_applicable", "justification": WHY}, format="json")
    assert refused.status_code == 403 and refused.json()["detail"].startswith("Separation of duties")
    assert ava_api.get(_url(art9)).json()["status"] == "not_started"


def test_a_refused_status_links_nothing(hiring, ava_api, gov_api):
    art9 = _obligation(ava_api, hiring, "Art. 9")
    review = hiring.reviews.get(function="model_risk")
    body = {"evidence": [{"record_type": "reviews.review", "record_id": review.pk}], "status": "not_applicable"}
    response = gov_api.patch(_url(art9), body, format="json")
    assert response.status_code == 400 and list(response.json()) == ["justification"]
    assert ava_api.get(_url(art9)).json()["evidence"] == []
    assert not ObligationEvidence.objects.exists()


def test_a_record_that_is_not_suggested_is_refused_at_evidence(hiring, ava_api):
    art9 = _obligation(ava_api, hiring, "Art. 9")
    security = hiring.reviews.get(function="security")  # suggested for other requirements, not for Art. 9
    for record in ({"record_type": "reviews.review", "record_id": security.pk},
                   {"record_type": "reviews.review", "record_id": 10**9},
                   {"record_type": "auth.user", "record_id": hiring.created_by_id}):
        response = ava_api.patch(_url(art9), {"evidence": [record], "status": "met"}, format="json")
        assert response.status_code == 400
        assert response.json() == {"evidence": ["Link one of the records suggested for this requirement."]}
    assert not ObligationEvidence.objects.exists()


def test_a_risk_is_not_accepted_by_the_use_cases_own_people(hiring, ava_api, people, gov):
    owner, _sponsor = people
    art9 = _obligation(ava_api, hiring, "Art. 9")
    body = {"status": "risk_accepted", "justification": WHY, "accepted_until": _day(90)}
    for api in (ava_api, client_for(owner)):
        refused = api.patch(_url(art9), body, format="json")
        assert refused.status_code == 403 and refused.json()["detail"]
    # Even a governance admin, when it is their own use case: with the separation-of-duties reason.
    type(hiring).objects.filter(pk=hiring.pk).update(business_owner=gov)
    refused = client_for(gov).patch(_url(art9), body, format="json")
    assert refused.status_code == 403
    assert refused.json()["detail"].startswith(f"Separation of duties: you submitted {hiring.reference} or are")
    assert Obligation.objects.get(pk=art9["id"]).status == "not_started"


def test_the_gates_accountable_accepts_a_risk_until_a_day(hiring, ava_api, people):
    _owner, sponsor = people
    art9 = _obligation(ava_api, hiring, "Art. 9")
    api = client_for(sponsor)
    undated = api.patch(_url(art9), {"status": "risk_accepted", "justification": WHY}, format="json")
    assert undated.status_code == 400 and undated.json() == {"accepted_until": ["Give the day the acceptance ends."]}
    accepted = api.patch(_url(art9), {"status": "risk_accepted", "justification": WHY, "accepted_until": _day(90)},
                         format="json")
    assert accepted.status_code == 200, accepted.json()
    assert accepted.json() == {**accepted.json(), "status": "risk_accepted", "justification": WHY,
                               "accepted_until": _day(90)}


@pytest.mark.parametrize(("body", "field"), [
    ({"status": "done"}, "status"),
    ({"justification": WHY}, "status"),
    ({"accepted_until": "2026-09-01"}, "status"),
    ({"status": "risk_accepted", "justification": WHY, "accepted_until": "soon"}, "accepted_until"),
    ({"status": "not_applicable", "justification": f"{WHY}\x00"}, "justification"),
    ({"evidence": [{"record_type": "reviews.review"}]}, "evidence"),
    ({"evidence": [{"record_type": "reviews.review", "record_id": 0}]}, "evidence"),
    ({"evidence": {"record_type": "reviews.review", "record_id": 1}}, "evidence"),
    ({"evidence": [{"record_type": "reviews.review", "record_id": 1, "note": "x"}]}, "evidence"),
    ({"colour": "red"}, "colour"),
], ids=["unknown-status", "justification-alone", "date-alone", "not-a-date", "nul-byte", "no-record-id",
        "record-id-zero", "not-a-list", "unknown-nested-field", "unknown-field"])
def test_bad_input_is_400_at_its_field_and_nothing_changes(hiring, ava_api, body, field):
    art9 = _obligation(ava_api, hiring, "Art. 9")
    response = ava_api.patch(_url(art9), body, format="json")
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert ava_api.get(_url(art9)).json() == art9


def test_met_goes_back_to_in_progress_only(hiring, ava_api, gov_api):
    approve_all_reviews(hiring)
    art9 = _obligation(ava_api, hiring, "Art. 9")
    review = hiring.reviews.get(function="model_risk")
    ava_api.patch(_url(art9), {"evidence": [{"record_type": "reviews.review", "record_id": review.pk}],
                               "status": "met"}, format="json")
    refused = gov_api.patch(_url(art9), {"status": "not_applicable", "justification": WHY}, format="json")
    assert refused.status_code == 400
    assert refused.json() == {"status": ["An obligation that is met cannot become not applicable; mark it in "
                                         "progress first."]}
    assert ava_api.patch(_url(art9), {"status": "in_progress"}, format="json").json()["status"] == "in_progress"


# -- delta sync, ETags and If-Match ---------------------------------------------------------------


def test_met_on_an_open_review_says_the_evidence_does_not_show_it_yet(hiring, ava_api):
    art9 = _obligation(ava_api, hiring, "Art. 9")
    review = hiring.reviews.get(function="model_risk")
    refused = ava_api.patch(_url(art9), {"evidence": [{"record_type": "reviews.review", "record_id": review.pk}],
                                         "status": "met"}, format="json")
    assert refused.status_code == 400
    assert refused.json() == {"evidence": ["The evidence is not yet in a state that shows it: Model risk review "
                                           "(open)."]}
    assert _obligation(ava_api, hiring, "Art. 9")["evidence"] == []  # one change, whole or not at all


def test_delta_sync_returns_only_the_obligations_changed_since(hiring, ava_api, clock):
    rows = _register(ava_api, hiring)
    assert len(rows) > 50  # more than one default page: a client follows next
    start = timezone.now()
    clock.shift(datetime.timedelta(seconds=1))
    assert _register(ava_api, hiring, updated_since=start.isoformat()) == []
    art9 = next(row for row in rows if row["identifier"] == "Art. 9")
    changed = ava_api.patch(_url(art9), {"status": "in_progress"}, format="json").json()
    assert _register(ava_api, hiring, updated_since=start.isoformat()) == [changed]
    assert _register(ava_api, hiring, updated_since=changed["updated_at"]) == []
    bad = ava_api.get(f"/api/v1/use-cases/{hiring.reference}/obligations/", {"updated_since": "yesterday"})
    assert bad.status_code == 400 and "updated_since" in bad.json()


def test_delta_sync_hears_of_an_obligation_that_stopped_applying(hiring, ava_api, gov, clock):
    start = timezone.now()
    clock.shift(datetime.timedelta(seconds=1))
    review_services.use_case_update(use_case=hiring, actor=gov, answers={"ai_act_role": "deployer"})
    changed = {row["identifier"]: row for row in _register(ava_api, hiring, updated_since=start.isoformat(),
                                                            framework="eu-ai-act")}
    assert changed["Art. 9"]["applicable"] is False and changed["Art. 26"]["applicable"] is True
    current = {row["identifier"] for row in _register(ava_api, hiring, framework="eu-ai-act")}
    assert "Art. 9" not in current and "Art. 26" in current


def test_the_register_pages_join_up(hiring, ava_api):
    every = _register(ava_api, hiring)
    paged = _all_pages(ava_api, f"/api/v1/use-cases/{hiring.reference}/obligations/", page_size=20)
    assert sorted(row["id"] for row in paged) == sorted(row["id"] for row in every)


def test_delta_sync_sees_evidence_linked_alone(hiring, ava_api, clock):
    art9 = _obligation(ava_api, hiring, "Art. 9")
    start = timezone.now()
    clock.shift(datetime.timedelta(seconds=1))
    review = hiring.reviews.get(function="model_risk")
    ava_api.patch(_url(art9), {"evidence": [{"record_type": "reviews.review", "record_id": review.pk}]},
                  format="json")
    assert [row["id"] for row in _register(ava_api, hiring, updated_since=start.isoformat())] == [art9["id"]]


def test_an_obligation_read_again_with_its_etag_is_304_until_it_changes(hiring, ava_api):
    art9 = _obligation(ava_api, hiring, "Art. 9")
    first = ava_api.get(_url(art9))
    assert first.status_code == 200 and first.json() == art9 and first["ETag"]
    same = ava_api.get(_url(art9), HTTP_IF_NONE_MATCH=first["ETag"])
    assert same.status_code == 304 and same.content == b""
    review = hiring.reviews.get(function="model_risk")
    linked = ava_api.patch(_url(art9), {"evidence": [{"record_type": "reviews.review", "record_id": review.pk}]},
                           format="json")
    assert linked.status_code == 200 and linked["ETag"] != first["ETag"]  # the evidence is part of it
    fresh = ava_api.get(_url(art9), HTTP_IF_NONE_MATCH=first["ETag"])
    assert fresh.status_code == 200 and fresh.json()["evidence"] and fresh["ETag"] == linked["ETag"]


def test_a_stale_if_match_is_412_and_changes_nothing(hiring, ava_api):
    art9 = _obligation(ava_api, hiring, "Art. 9")
    etag = ava_api.get(_url(art9))["ETag"]
    moved = ava_api.patch(_url(art9), {"status": "in_progress"}, format="json", HTTP_IF_MATCH=etag)
    assert moved.status_code == 200 and moved["ETag"] != etag
    stale = ava_api.patch(_url(art9), {"status": "not_started"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert ava_api.get(_url(art9)).json()["status"] == "in_progress"
    back = ava_api.patch(_url(art9), {"status": "not_started"}, format="json", HTTP_IF_MATCH=moved["ETag"])
    assert back.status_code == 200 and back.json()["status"] == "not_started"


def test_a_read_only_service_account_may_read_but_not_change(hiring, ava_api, ava):
    art9 = _obligation(ava_api, hiring, "Art. 9")
    ServiceAccount.objects.create(user=ava, read_only=True, description="Reporting")  # ava's token, made read-only
    assert ava_api.get(_url(art9)).status_code == 200
    assert ava_api.patch(_url(art9), {"status": "in_progress"}, format="json").status_code == 403


# -- cost -----------------------------------------------------------------------------------------


def _queries(api, use_case) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        rows = _register(api, use_case)
    return len(queries.captured_queries), len(rows)


def test_the_register_costs_the_same_queries_for_few_obligations_as_for_many(hiring, ava_api):
    """Suggestions and evidence are read for the page at once: with the same kinds of controls to look up, 3 or
    so obligations cost what 85 do."""
    rows = list(Obligation.objects.filter(use_case=hiring, applicable=True))
    kinds = {o.pk: set(CrosswalkEntry.objects.filter(requirement=o.requirement_id).values_list("control", flat=True))
             for o in rows}
    wanted, keep = set().union(*kinds.values()), []
    while wanted - set().union(*(kinds[pk] for pk in keep)):  # a few obligations that need every kind looked up
        keep.append(max(kinds, key=lambda pk: len(kinds[pk] - set().union(*(kinds[k] for k in keep)))))
    review = hiring.reviews.get(function="model_risk")
    art9 = _obligation(ava_api, hiring, "Art. 9")
    ava_api.patch(_url(art9), {"evidence": [{"record_type": "reviews.review", "record_id": review.pk}]},
                  format="json")
    keep.append(art9["id"])
    _queries(ava_api, hiring)  # warm the per-process caches (content types, permissions)
    many, shown = _queries(ava_api, hiring)
    assert shown == len(rows) > 50
    Obligation.objects.filter(use_case=hiring).exclude(pk__in=keep).update(applicable=False)
    few, shown = _queries(ava_api, hiring)
    assert shown == len(set(keep)) < 10
    assert few == many <= 14


# -- the schema -----------------------------------------------------------------------------------


def test_the_schema_declares_the_operations_their_headers_and_errors(db):
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    assert set(paths[FRAMEWORKS]) == {"get"}
    assert set(paths["/api/v1/frameworks/{key}/requirements/"]) == {"get"}
    assert set(paths["/api/v1/use-cases/{reference}/obligations/"]) == {"get"}
    one = paths["/api/v1/obligations/{id}/"]
    assert set(one) == {"get", "patch"}
    assert {"200", "304", "404"} <= set(one["get"]["responses"]) and "ETag" in one["get"]["responses"]["200"]["headers"]
    assert "If-None-Match" in {p["name"] for p in one["get"]["parameters"] if p["in"] == "header"}
    assert {"200", "400", "403", "404", "412"} <= set(one["patch"]["responses"])
    assert "If-Match" in {p["name"] for p in one["patch"]["parameters"] if p["in"] == "header"}
    listed = paths["/api/v1/use-cases/{reference}/obligations/"]["get"]
    assert {"cursor", "updated_since", "framework", "status"} <= {p["name"] for p in listed["parameters"]}


def test_coverage_is_the_count_every_page_shows(hiring, ava_api, client, ava):
    approve_all_reviews(hiring)
    art9 = _obligation(ava_api, hiring, "Art. 9")
    review = hiring.reviews.get(function="model_risk")
    ava_api.patch(_url(art9), {"evidence": [{"record_type": "reviews.review", "record_id": review.pk}],
                               "status": "met"}, format="json")
    response = ava_api.get(f"/api/v1/use-cases/{hiring.reference}/coverage/")
    assert response.status_code == 200
    assert response.json()["reference"] == hiring.reference
    rows = {row["framework"]: row for row in response.json()["frameworks"]}
    expected = {row.framework.key: row for row in coverage(hiring)}
    assert {key: (row["applicable"], row["met"]) for key, row in rows.items()} == {
        key: (row.applicable, row.met) for key, row in expected.items()}
    assert rows["eu-ai-act"]["met"] >= 1 and "Art. 9" not in rows["eu-ai-act"]["missing"]
    assert "Art. 10" in rows["eu-ai-act"]["missing"]
    register = _register(ava_api, hiring, framework="eu-ai-act")
    assert sum(row["satisfied"] for row in register) == rows["eu-ai-act"]["met"]
    client.force_login(ava)
    page = client.get(f"/compliance/use-cases/{hiring.reference}/").content.decode()
    assert f"EU AI Act {rows['eu-ai-act']['met']}/{rows['eu-ai-act']['applicable']} satisfied" in page


def test_coverage_of_an_unseen_use_case_is_404(hiring, ben_api):
    assert ben_api.get(f"/api/v1/use-cases/{hiring.reference}/coverage/").status_code == 404


def test_the_owner_is_set_by_username_from_the_raci(hiring, ava_api, gov_api):
    art9 = _obligation(ava_api, hiring, "Art. 9")
    refused = gov_api.patch(_url(art9), {"owner": "ben.submitter"}, format="json")
    assert refused.status_code == 400 and "owner" in refused.json()
    owner = hiring.business_owner.username
    changed = gov_api.patch(_url(art9), {"owner": owner}, format="json")
    assert changed.status_code == 200 and changed.json()["owner"] == owner
    assert gov_api.patch(_url(art9), {"owner": None}, format="json").json()["owner"] is None
