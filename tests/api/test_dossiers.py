"""Audit dossiers through the API: asked for on a use case (202), followed by id, downloaded once ready
with the board pack's headers (409 before); the use case's latest dossier; 404 for whoever may not see
the use case (ben of Finance, ava's is Customer Operations)."""

import pytest
from django.core.files.base import ContentFile

from reports import dossiers
from reports.models import Dossier, PackStatus
from tests.reviews.factories import submitted_use_case

PDF = b"%PDF-1.7\n%%EOF\n"


@pytest.fixture
def use_case(ava, custops):
    return submitted_use_case(created_by=ava, business_unit=custops, regulated_area="employment",
                              ai_act_role="provider")


def ready(dossier: Dossier) -> Dossier:
    dossier.status, dossier.pages = PackStatus.READY, 2
    dossier.file.save("dossier.pdf", ContentFile(PDF), save=False)
    dossier.save()
    return dossier


def test_asking_for_a_dossier_is_202_with_its_id_and_status(ava_api, use_case):
    response = ava_api.post(f"/api/v1/use-cases/{use_case.reference}/dossiers/")

    assert response.status_code == 202, response.json()
    body = response.json()
    dossier = Dossier.objects.get()
    assert body["id"] == dossier.pk and body["status"] == "queued"
    assert body["use_case"] == use_case.reference and body["requested_by"] == "ava.submitter"
    assert body["pdf"] is None and body["pages"] is None and body["error"] == ""


def test_the_status_by_id_and_the_pdf_once_ready_with_the_packs_headers(ava_api, use_case):
    dossier_id = ava_api.post(f"/api/v1/use-cases/{use_case.reference}/dossiers/").json()["id"]
    status = ava_api.get(f"/api/v1/dossiers/{dossier_id}/")
    assert status.status_code == 200 and status["ETag"]
    assert set(status.json()) == {"id", "use_case", "status", "error", "requested_by", "requested_at",
                                  "generated_at", "pages", "pdf", "updated_at"}
    waiting = ava_api.get(f"/api/v1/dossiers/{dossier_id}/pdf/", HTTP_ACCEPT="application/pdf")
    assert (waiting.status_code, waiting["Content-Type"]) == (409, "application/json")
    assert waiting.json() == {"detail": "The dossier is queued; download it once it is ready."}

    dossier = ready(Dossier.objects.get(pk=dossier_id))
    body = ava_api.get(f"/api/v1/dossiers/{dossier_id}/").json()
    assert body["status"] == "ready" and body["pages"] == 2
    assert body["pdf"].endswith(f"/api/v1/dossiers/{dossier_id}/pdf/")
    response = ava_api.get(f"/api/v1/dossiers/{dossier_id}/pdf/", HTTP_ACCEPT="application/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{dossier.download_name}"'
    assert response["X-Content-Type-Options"] == "nosniff" and response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == PDF


def test_the_use_cases_latest_dossier_and_404_before_any(ava_api, use_case):
    latest = f"/api/v1/use-cases/{use_case.reference}/dossier/"
    none = ava_api.get(latest)
    assert none.status_code == 404 and "no audit dossier yet" in none.json()["detail"]

    older = ready(Dossier.objects.create(use_case=use_case, requested_by=use_case.created_by))
    newer = Dossier.objects.create(use_case=use_case, status="failed", error="Boom.")
    body = ava_api.get(latest).json()
    assert (body["id"], body["status"], body["error"]) == (newer.pk, "failed", "Boom.")
    assert older.pk != newer.pk


def test_a_use_case_ben_cannot_see_is_404_on_every_dossier_path(ava_api, ben_api, use_case):
    dossier = ready(Dossier.objects.create(use_case=use_case))
    for path in (f"/api/v1/dossiers/{dossier.pk}/", f"/api/v1/dossiers/{dossier.pk}/pdf/",
                 f"/api/v1/use-cases/{use_case.reference}/dossier/"):
        response = ben_api.get(path)
        assert response.status_code == 404, path
        assert set(response.json()) == {"detail"}
    assert ben_api.post(f"/api/v1/use-cases/{use_case.reference}/dossiers/").status_code == 404
    assert ben_api.post("/api/v1/use-cases/UC-NOPE/dossiers/").status_code == 404
    assert ava_api.get("/api/v1/dossiers/999999/").status_code == 404
    assert Dossier.objects.count() == 1


def test_requested_and_rendered_in_process_then_downloaded(ava_api, use_case, monkeypatch,
                                                           django_capture_on_commit_callbacks):
    monkeypatch.setattr(dossiers, "render", lambda html: (PDF, 1))
    with django_capture_on_commit_callbacks(execute=True):
        dossier_id = ava_api.post(f"/api/v1/use-cases/{use_case.reference}/dossiers/",
                                  HTTP_IDEMPOTENCY_KEY="dossier-1").json()["id"]
    replay = ava_api.post(f"/api/v1/use-cases/{use_case.reference}/dossiers/", HTTP_IDEMPOTENCY_KEY="dossier-1")
    assert replay.status_code == 202 and replay.json()["id"] == dossier_id and replay["Idempotent-Replayed"] == "true"
    assert Dossier.objects.count() == 1

    assert ava_api.get(f"/api/v1/dossiers/{dossier_id}/").json()["status"] == "ready"
    assert b"".join(ava_api.get(f"/api/v1/dossiers/{dossier_id}/pdf/").streaming_content) == PDF


def test_errors_are_json_and_credentials_are_needed(anon, ava_api, use_case):
    dossier = Dossier.objects.create(use_case=use_case)
    assert anon.get(f"/api/v1/dossiers/{dossier.pk}/pdf/", HTTP_ACCEPT="application/pdf").status_code == 401
    assert anon.post(f"/api/v1/use-cases/{use_case.reference}/dossiers/").status_code == 401
    Dossier.objects.filter(pk=dossier.pk).update(status=PackStatus.READY, file="dossiers/gone.pdf")
    gone = ava_api.get(f"/api/v1/dossiers/{dossier.pk}/pdf/", HTTP_ACCEPT="application/pdf")
    assert (gone.status_code, gone["Content-Type"]) == (404, "application/json")
    assert gone.json() == {"detail": "The dossier's file is missing from storage."}
