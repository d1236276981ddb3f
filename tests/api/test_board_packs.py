"""Board packs through the API: requested by the PMO (202), downloaded once ready."""

from django.contrib.auth.models import Group
from django.core.files.base import ContentFile

from reports.models import BoardPack, PackStatus
from tests.factories import UserFactory

from .conftest import client_for

PDF = b"%PDF-1.7\n%%EOF\n"
REQUEST = {"audience": "executive_monthly", "period_start": "2026-01-01", "period_end": "2026-01-31"}


def _pmo():
    user = UserFactory(username="pmo.lead")
    user.groups.add(Group.objects.get(name="pmo"))
    return client_for(user)


def test_the_pmo_requests_a_pack_and_gets_202(db):
    response = _pmo().post("/api/v1/board-packs/", REQUEST, format="json")
    assert response.status_code == 202, response.json()
    body = response.json()
    pack = BoardPack.objects.get()
    assert body["id"] == pack.pk and body["status"] == "queued" and body["pdf"] is None
    assert body["requested_by"] == "pmo.lead"


def test_the_pdf_once_ready_and_409_before(db):
    api = _pmo()
    pack_id = api.post("/api/v1/board-packs/", REQUEST, format="json").json()["id"]
    waiting = api.get(f"/api/v1/board-packs/{pack_id}/pdf/")
    assert waiting.status_code == 409
    assert waiting.json() == {"detail": "The pack is queued; download it once it is ready."}
    pack = BoardPack.objects.get(pk=pack_id)
    pack.file.save("pack.pdf", ContentFile(PDF), save=False)
    pack.status = PackStatus.READY
    pack.save()
    detail = api.get(f"/api/v1/board-packs/{pack_id}/").json()
    assert detail["pdf"].endswith(f"/api/v1/board-packs/{pack_id}/pdf/")
    response = api.get(f"/api/v1/board-packs/{pack_id}/pdf/", HTTP_ACCEPT="application/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF


def test_bad_requests_are_400_with_the_services_messages(db):
    response = _pmo().post("/api/v1/board-packs/", {**REQUEST, "period_end": "2025-01-01"}, format="json")
    assert response.status_code == 400
    assert "period_end" in response.json() or "non_field_errors" in response.json()


def test_people_outside_the_pmo_neither_see_nor_request_packs(ava_api, db):
    pack = BoardPack.objects.create(audience="executive_monthly", period_start="2026-01-01",
                                    period_end="2026-01-31")
    assert ava_api.get("/api/v1/board-packs/").json()["results"] == []
    assert ava_api.get(f"/api/v1/board-packs/{pack.pk}/").status_code == 404
    refused = ava_api.post("/api/v1/board-packs/", REQUEST, format="json")
    assert refused.status_code == 403
    assert refused.json() == {"detail": "Only the PMO and governance admins request board packs."}


def test_errors_are_json_even_when_the_pdf_is_asked_for(db, anon):
    api = _pmo()
    pack_id = api.post("/api/v1/board-packs/", REQUEST, format="json").json()["id"]
    pdf = f"/api/v1/board-packs/{pack_id}/pdf/"
    waiting = api.get(pdf, HTTP_ACCEPT="application/pdf")
    assert (waiting.status_code, waiting["Content-Type"]) == (409, "application/json")
    assert waiting.json() == {"detail": "The pack is queued; download it once it is ready."}
    missing = api.get("/api/v1/board-packs/999999/pdf/", HTTP_ACCEPT="application/pdf")
    assert (missing.status_code, missing["Content-Type"]) == (404, "application/json")
    assert set(missing.json()) == {"detail"}
    BoardPack.objects.filter(pk=pack_id).update(status=PackStatus.READY, file="board_packs/gone.pdf")
    gone = api.get(pdf, HTTP_ACCEPT="application/pdf")  # ready, but the file left storage
    assert (gone.status_code, gone["Content-Type"]) == (404, "application/json")
    assert gone.json() == {"detail": "The pack's file is missing from storage."}
    unauthenticated = anon.get(pdf, HTTP_ACCEPT="application/pdf")
    assert (unauthenticated.status_code, unauthenticated["Content-Type"]) == (401, "application/json")
