"""Artefacts in the API: a multipart upload carrying artefact_type (and an evaluation report's metrics), the
list of evidence files with their type, metrics and rejection (delta sync, visible use cases only, tombstones),
and the file itself."""

import json

import pytest
from django.urls import set_script_prefix

from reviews import services
from reviews.models import EvaluationMetric, Evidence
from tests.factories import UseCaseFactory, UserFactory
from tests.reviews.factories import PDF, submitted_use_case, upload

from .conftest import client_for, list_queries_stay_flat

LIST = "/api/v1/artefacts/"
MEDIUM = {"data_classification": "confidential", "exposure": "external"}
METRICS = [{"name": "accuracy", "threshold": 0.95, "result": 0.91, "higher_is_better": True},
           {"name": "false positive rate", "threshold": "0.05", "result": "0.03", "higher_is_better": False}]


def _url(use_case) -> str:
    return f"/api/v1/use-cases/{use_case.reference}/evidence/"


def _post(api, use_case, name="report.pdf", content=PDF, **fields):
    data = {"file": upload(name, content), **fields}
    return api.post(_url(use_case), data, format="multipart")


@pytest.fixture
def medium(ava, custops, owner):
    return submitted_use_case(created_by=ava, business_unit=custops, business_owner=owner, **MEDIUM)


def test_upload_an_evaluation_report_with_its_metrics(ava_api, medium):
    response = _post(ava_api, medium, "eval.pdf", artefact_type="evaluation_report", metrics=json.dumps(METRICS))
    assert response.status_code == 201, response.json()
    body = response.json()
    evidence = Evidence.objects.get()
    assert body["id"] == evidence.pk and body["use_case"] == medium.reference
    assert (body["artefact_type"], body["artefact_type_name"]) == ("evaluation_report", "Evaluation report")
    assert body["metrics"] == [
        {"name": "accuracy", "threshold": "0.9500", "result": "0.9100", "higher_is_better": True, "met": False},
        {"name": "false positive rate", "threshold": "0.0500", "result": "0.0300", "higher_is_better": False,
         "met": True}]
    assert body["rejected"] is False and body["rejection_reason"] == "" and body["rejected_by"] is None
    assert body["download"].endswith(f"/api/v1/artefacts/{evidence.pk}/file/")
    assert body["original_name"] == "eval.pdf" and body["uploaded_by"] == "ava.submitter"


def test_the_download_link_follows_where_the_api_is_mounted(ava_api, medium):
    evidence = services.evidence_add(use_case=medium, actor=medium.created_by, upload=upload("plan.pdf", PDF),
                                     artefact_type="monitoring_plan")
    set_script_prefix("/stagegate/")  # served under a path prefix, as behind a proxy
    try:
        body = ava_api.get(f"{LIST}{evidence.pk}/").json()
    finally:
        set_script_prefix("/")
    assert body["download"] == f"http://testserver/stagegate/api/v1/artefacts/{evidence.pk}/file/"


def test_a_plain_file_has_no_type(ava_api, medium):
    response = _post(ava_api, medium, artefact_type="")
    assert response.status_code == 201, response.json()
    assert response.json()["artefact_type"] is None and response.json()["metrics"] == []


def test_an_upload_to_one_of_its_reviews(sec_api, medium):
    review = medium.reviews.get(function="security")
    response = _post(sec_api, medium, artefact_type="impact_assessment", review=review.pk)
    assert response.status_code == 201, response.json()
    assert response.json()["review"] == review.pk
    other = UseCaseFactory()
    assert _post(sec_api, medium, review=other.pk + 10_000).json() == {
        "review": ["This use case has no review with that id."]}


@pytest.mark.parametrize(("fields", "field", "words"), [
    ({"artefact_type": "no_such_type"}, "artefact_type", "Unknown artefact type"),
    ({"artefact_type": "monitoring_plan", "metrics": json.dumps(METRICS)}, "metrics", "carries no metrics"),
    ({"artefact_type": "evaluation_report"}, "metrics", "give each metric's name"),
    ({"artefact_type": "evaluation_report", "metrics": "accuracy 0.9"}, "metrics", "JSON list of objects"),
    ({"artefact_type": "evaluation_report", "metrics": '{"name": "accuracy"}'}, "metrics", "JSON list of objects"),
    ({"artefact_type": "evaluation_report", "metrics": '[{"name": "a", "threshold": "x", "result": 1}]'},
     "metrics", "give the threshold as a number"),
    ({"artefact_type": "evaluation_report", "metrics": json.dumps(METRICS + METRICS[:1])}, "metrics",
     "accuracy is named twice"),
    ({"artefact_type": "x" * 41}, "artefact_type", "no more than 40 characters"),
    ({"surprise": "yes"}, "surprise", "Unknown field."),
])
def test_bad_input_is_400_at_its_field_and_nothing_is_saved(ava_api, medium, fields, field, words):
    response = _post(ava_api, medium, **fields)
    assert response.status_code == 400
    body = response.json()
    assert field in body and words in " ".join(body[field]), body
    assert not Evidence.objects.exists() and not EvaluationMetric.objects.exists()


def test_a_refused_file_is_400_at_file(ava_api, medium, settings):
    assert "is not a .pdf file" in _post(ava_api, medium, "scan.pdf", b"just text").json()["file"][0]
    settings.EVIDENCE_MAX_BYTES = 1024
    body = _post(ava_api, medium, "big.pdf", PDF + b"0" * 4096, artefact_type="impact_assessment").json()
    assert body == {"file": ["The file is 5 KB; the limit is 1 KB."]}
    assert ava_api.post(_url(medium), {"artefact_type": "impact_assessment"}, format="multipart").status_code == 400
    assert not Evidence.objects.exists()


def test_json_is_not_an_upload(ava_api, medium):
    response = ava_api.post(_url(medium), {"artefact_type": "impact_assessment"}, format="json")
    assert response.status_code == 415


def test_the_same_idempotency_key_replays_the_first_upload(ava_api, medium):
    data = {"file": upload("a.pdf", PDF), "artefact_type": "impact_assessment"}
    first = ava_api.post(_url(medium), data, format="multipart", HTTP_IDEMPOTENCY_KEY="upload-1")
    again = ava_api.post(_url(medium), {"file": upload("a.pdf", PDF), "artefact_type": "impact_assessment"},
                         format="multipart", HTTP_IDEMPOTENCY_KEY="upload-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert Evidence.objects.count() == 1


def test_an_unseen_use_case_is_404_everywhere(ava_api, ben_api, medium):
    assert _post(ben_api, medium, artefact_type="impact_assessment").status_code == 404
    evidence_id = _post(ava_api, medium, artefact_type="impact_assessment").json()["id"]
    assert ben_api.get(f"{LIST}{evidence_id}/").status_code == 404
    assert ben_api.get(f"{LIST}{evidence_id}/file/").status_code == 404
    assert ben_api.get(LIST).json()["results"] == []
    assert _post(ben_api, UseCaseFactory.build(reference="UC-NONE")).status_code == 404


def test_a_viewer_who_may_not_comment_is_403(medium):
    from guardian.shortcuts import assign_perm

    viewer = UserFactory(username="vic.viewer")
    assign_perm("view_usecase", viewer, medium)
    response = _post(client_for(viewer), medium, artefact_type="impact_assessment")
    assert response.status_code == 403 and "permission" in response.json()["detail"]
    assert not Evidence.objects.exists()


def test_the_list_shows_a_rejection_and_syncs_it(ava_api, medium, sec):
    evidence_id = _post(ava_api, medium, artefact_type="impact_assessment").json()["id"]
    first = ava_api.get(LIST).json()["results"]
    assert [(r["id"], r["rejected"]) for r in first] == [(evidence_id, False)]
    since = first[0]["updated_at"]
    assert ava_api.get(LIST, {"updated_since": since}).json()["results"] == []
    services.evidence_reject(evidence=Evidence.objects.get(), actor=sec, reason="No assessment of the harm.")
    [changed] = ava_api.get(LIST, {"updated_since": since}).json()["results"]
    assert (changed["rejected"], changed["rejected_by"], changed["rejection_reason"]) == (
        True, "sec.reviewer", "No assessment of the harm.")
    assert ava_api.get(LIST, {"rejected": "true"}).json()["results"][0]["id"] == evidence_id
    assert ava_api.get(LIST, {"rejected": "false"}).json()["results"] == []
    assert ava_api.get(LIST, {"artefact_type": "monitoring_plan"}).json()["results"] == []
    detail = ava_api.get(f"{LIST}{evidence_id}/")
    assert detail.status_code == 200 and detail["ETag"]


def test_the_file_downloads_as_an_attachment(ava_api, medium):
    evidence_id = _post(ava_api, medium, "report.pdf", artefact_type="impact_assessment").json()["id"]
    response = ava_api.get(f"{LIST}{evidence_id}/file/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment") and response["Content-Type"] == "application/pdf"


def test_a_deleted_file_leaves_a_tombstone(ava_api, ben_api, medium):
    evidence_id = _post(ava_api, medium, artefact_type="impact_assessment").json()["id"]
    Evidence.objects.filter(pk=evidence_id).delete()
    gone = [(t["resource"], t["object_id"]) for t in ava_api.get("/api/v1/deletions/").json()["results"]]
    assert ("artefacts", str(evidence_id)) in gone
    assert ("artefacts", str(evidence_id)) not in [(t["resource"], t["object_id"])
                                                  for t in ben_api.get("/api/v1/deletions/").json()["results"]]


def _files(ava, custops, count: int) -> None:
    for n in range(count):
        use_case = UseCaseFactory(created_by=ava, business_unit=custops, risk_tier="high")
        services.evidence_add(use_case=use_case, actor=ava, upload=upload(f"eval-{n}.pdf", PDF),
                              artefact_type="evaluation_report", metrics=METRICS)


@pytest.mark.parametrize("who", ["gov", "ava"])
def test_list_queries_do_not_grow_with_the_rows(request, ava, custops, who):
    list_queries_stay_flat(client_for(request.getfixturevalue(who)), LIST,
                           lambda n: _files(ava, custops, n), ceiling=7)


def test_a_reviewer_rejects_through_the_api_once(ava_api, sec_api, medium):
    evidence_id = _post(ava_api, medium, artefact_type="impact_assessment").json()["id"]
    url = f"{LIST}{evidence_id}/reject/"
    assert ava_api.post(url, {"reason": "I want to take it back."}, format="json").status_code == 403
    assert sec_api.post(url, {"reason": "short"}, format="json").json() == {
        "reason": ["Say why it is rejected, in 10 to 2000 characters, so the team knows what to fix."]}
    response = sec_api.post(url, {"reason": "No assessment of the harm."}, format="json")
    assert response.status_code == 200 and response.json()["rejected"] is True
    again = sec_api.post(url, {"reason": "Still no assessment."}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
