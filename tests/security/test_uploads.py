"""Uploads: size and type limits enforced on the server, names sanitised, files served only
through permission-checked views as attachments that browsers will not sniff or render.

Review evidence (use-case page), vendor certification evidence and assessment attachments
(admin), and board-pack PDFs (page and API)."""

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from reviews.models import Evidence
from tests.factories import UseCaseFactory, UserFactory
from tests.reviews.factories import JPEG, PDF, WINDOWS_EXE
from vendors.models import Certification

HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
TRAVERSAL = "../../etc/passwd.pdf"
QUOTES_AND_NEWLINES = 'board "final"\r\nversion\'s; copy.pdf'
# As the test client sends it, a quote and a newline inside the multipart filename.
QUOTE_IN_HEADER = 'we"ird\nname.pdf'
# A raw header injection: the multipart part now claims another name (and a header of its own).
INJECTION = 'report"; filename="evil.html\r\nX-Injected: yes.pdf'


def file(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def assert_safe_download(response, *, content_type="application/octet-stream"):
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "\n" not in disposition and "\r" not in disposition and ".." not in disposition
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == content_type
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    # Pages, admin and API alike (config/downloads.py): shown inline by mistake, it still cannot run.
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    return disposition


# ------------------------------------------------------------ review evidence (use-case page)


@pytest.fixture
def use_case(ava, custops):
    return UseCaseFactory(created_by=ava, business_unit=custops)


def upload_evidence(client, use_case, name, content):
    url = reverse("reviews:evidence_upload", args=[use_case.reference])
    response = client.post(url, {"file": file(name, content)}, follow=True)
    assert response.status_code == 200  # back on the use-case page, never a server error
    return response.content.decode()


@pytest.mark.parametrize(("name", "content", "message"), [
    ("page.html", HTML, "Files of this type are not accepted"),
    ("drawing.svg", SVG, "Files of this type are not accepted"),
    ("installer.exe", WINDOWS_EXE, "Files of this type are not accepted"),
    ("invoice.pdf", WINDOWS_EXE, "The file&#x27;s content is not a .pdf file"),
    ("report.pdf", HTML, "The file&#x27;s content is not a .pdf file"),
    ("notes.txt", WINDOWS_EXE, "The file&#x27;s content is not a .txt file"),
])
def test_review_evidence_of_a_wrong_type_is_refused_with_a_message(ava_client, use_case, name, content, message):
    page = upload_evidence(ava_client, use_case, name, content)
    assert "Nothing was uploaded." in page and message in page
    assert not Evidence.objects.exists()


def test_oversize_review_evidence_is_refused_before_it_is_stored(ava_client, use_case, settings):
    settings.EVIDENCE_MAX_BYTES = 1024
    page = upload_evidence(ava_client, use_case, "big.pdf", PDF + b"0" * 4096)
    assert "big.pdf is larger than the 1 KB limit; nothing was uploaded." in page
    assert not Evidence.objects.exists()


@pytest.mark.parametrize("name", [TRAVERSAL, QUOTE_IN_HEADER, "..\\..\\windows\\win.ini.pdf",
                                  "name\x00with\x1fcontrols.pdf"])
def test_review_evidence_names_are_sanitised(ava_client, use_case, name):
    upload_evidence(ava_client, use_case, name, PDF)
    evidence = Evidence.objects.get()
    assert evidence.file.name.startswith("evidence/") and ".." not in evidence.file.name
    for bad in ("/", "\\", "..", '"', "'", "\r", "\n", "\x00", "\x1f", ";", " "):
        assert bad not in evidence.original_name, (bad, evidence.original_name)
    assert evidence.original_name.endswith(".pdf")

    response = ava_client.get(reverse("reviews:evidence_download", args=[evidence.pk]))
    disposition = assert_safe_download(response)
    assert disposition == f'attachment; filename="{evidence.original_name}"'
    assert b"".join(response.streaming_content) == PDF


def test_quotes_and_newlines_reaching_the_service_are_removed(ava, ava_client, use_case):
    from reviews import services

    evidence = services.evidence_add(use_case=use_case, actor=ava, upload=file(QUOTES_AND_NEWLINES, PDF))
    assert evidence.original_name == "board_finalversions_copy.pdf"
    response = ava_client.get(reverse("reviews:evidence_download", args=[evidence.pk]))
    assert assert_safe_download(response) == 'attachment; filename="board_finalversions_copy.pdf"'


def test_a_header_injection_in_the_name_stores_nothing_it_names(ava_client, use_case):
    page = upload_evidence(ava_client, use_case, INJECTION, PDF)
    assert "Nothing was uploaded. Files of this type are not accepted." in page  # it now claims .html
    assert not Evidence.objects.exists()


def test_the_traversal_name_keeps_only_its_last_part(ava_client, use_case):
    upload_evidence(ava_client, use_case, TRAVERSAL, PDF)
    assert Evidence.objects.get().original_name == "passwd.pdf"


def test_review_evidence_is_served_only_to_who_may_see_the_use_case(ava_client, use_case, ben):
    upload_evidence(ava_client, use_case, "scan.jpg", JPEG)
    url = reverse("reviews:evidence_download", args=[Evidence.objects.get().pk])
    other = Client()
    other.force_login(ben)
    assert other.get(url).status_code == 404  # another unit's evidence does not exist for ben
    assert Client().get(url).status_code == 302  # anonymous: to the login page
    assert ava_client.post(url).status_code == 405


# ------------------------------------------------------------ vendor evidence (admin)


@pytest.fixture
def gov_client(client, gov):
    client.force_login(gov)
    return client


@pytest.fixture
def vendor(db):
    from tests.vendors.factories import VendorFactory

    return VendorFactory(name="Northwind AI", criticality="high")


def add_certification(client, vendor, name, content):
    response = client.post(reverse("admin:vendors_certification_add"), {
        "vendor": vendor.pk, "kind": "iso27001", "issued_on": "2025-01-01", "expires_on": "2028-01-01",
        "evidence": file(name, content),
    })
    assert response.status_code in (200, 302)  # the form with its field error, or saved; never a 500
    return response


@pytest.mark.parametrize(("name", "content", "message"), [
    ("page.html", HTML, ".html files are not accepted as evidence"),
    ("drawing.svg", SVG, ".svg files are not accepted as evidence"),
    ("setup.exe", WINDOWS_EXE, ".exe files are not accepted as evidence"),
    ("certificate.pdf", WINDOWS_EXE, "is a program or a web page, not a .pdf file"),
    ("certificate.pdf", HTML, "is a program or a web page, not a .pdf file"),
    ("notes.txt", b"\n  " + SVG, "is a program or a web page, not a .txt file"),
])
def test_vendor_evidence_of_a_wrong_type_is_a_field_error(gov_client, vendor, name, content, message):
    response = add_certification(gov_client, vendor, name, content)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["evidence"]
    assert any(message in error for error in errors), errors
    assert not Certification.objects.exists()


def test_oversize_vendor_evidence_is_a_field_error(gov_client, vendor):
    from vendors.validators import MAX_EVIDENCE_BYTES

    response = add_certification(gov_client, vendor, "big.pdf", PDF + b"0" * MAX_EVIDENCE_BYTES)
    assert response.status_code == 200
    assert "evidence files may be at most 10 MB" in response.context["adminform"].form.errors["evidence"][0]
    assert not Certification.objects.exists()


@pytest.mark.parametrize("name", [TRAVERSAL, QUOTE_IN_HEADER])
def test_vendor_evidence_names_are_sanitised_and_downloads_are_attachments(gov_client, vendor, name):
    response = add_certification(gov_client, vendor, name, PDF)
    assert response.status_code == 302
    stored = Certification.objects.get().evidence
    assert stored.name.startswith("vendors/certifications/") and ".." not in stored.name
    base = stored.name.rsplit("/", 1)[-1]
    for bad in ('"', "'", "\r", "\n", ";", " ", "\\"):
        assert bad not in base, (bad, base)

    download = gov_client.get(stored.url)
    disposition = assert_safe_download(download)
    assert disposition == f'attachment; filename="{base}"'


def test_quotes_and_newlines_in_a_vendor_evidence_name_are_removed(gov_client, vendor):
    certification = Certification(vendor=vendor, kind="iso27001", evidence=file(QUOTES_AND_NEWLINES, PDF))
    certification.full_clean()
    certification.save()
    assert certification.evidence.name.endswith("/board_finalversions_copy.pdf")
    download = gov_client.get(certification.evidence.url)
    assert assert_safe_download(download) == 'attachment; filename="board_finalversions_copy.pdf"'


def test_a_header_injection_in_a_vendor_evidence_name_is_a_field_error(gov_client, vendor):
    response = add_certification(gov_client, vendor, INJECTION, PDF)
    assert response.status_code == 200
    assert ".html files are not accepted" in response.context["adminform"].form.errors["evidence"][0]
    assert not Certification.objects.exists()


def test_vendor_evidence_needs_the_admin_and_view_permission(gov_client, vendor):
    add_certification(gov_client, vendor, "iso.pdf", PDF)
    url = Certification.objects.get().evidence.url
    assert Client().get(url).status_code == 302  # to the admin login
    outsider = Client()
    outsider.force_login(UserFactory(username="staff.without.perms", is_staff=True))
    assert outsider.get(url).status_code == 403


def test_assessment_attachments_are_checked_the_same_way(vendor, db):
    from django.core.exceptions import ValidationError

    from tests.vendors.conftest import start
    from vendors import services

    pat = UserFactory(username="pat.procurement", is_staff=True)
    pat.groups.add(Group.objects.get(name="procurement"))  # procurement runs due diligence
    assessment = start(vendor, pat)
    for name, content in (("pentest.html", HTML), ("pentest.pdf", WINDOWS_EXE)):
        with pytest.raises(ValidationError):
            services.vendor_assessment_rate(assessment=assessment, actor=pat, ratings={
                "security_posture": {"rating": "meets", "attachment": file(name, content)}})
    services.vendor_assessment_rate(assessment=assessment, actor=pat, ratings={
        "security_posture": {"rating": "meets", "attachment": file(TRAVERSAL, PDF)}})
    stored = assessment.ratings.get(area__key="security_posture").attachment.name
    assert stored.startswith("vendors/assessments/") and stored.endswith("/passwd.pdf")


# ------------------------------------------------------------ board packs


def test_board_pack_pdf_page_download_is_an_attachment(client, gov, ready_pack):
    client.force_login(gov)
    response = client.get(reverse("reports:download", args=[ready_pack.pk]))
    disposition = assert_safe_download(response, content_type="application/pdf")
    assert disposition == f'attachment; filename="{ready_pack.download_name}"'


def test_board_pack_pdf_api_download_is_an_attachment(gov, ready_pack):
    from tests.api.conftest import client_for

    response = client_for(gov).get(f"/api/v1/board-packs/{ready_pack.pk}/pdf/")
    disposition = assert_safe_download(response, content_type="application/pdf")
    assert disposition == f'attachment; filename="{ready_pack.download_name}"'


def test_board_packs_are_not_served_to_submitters(ava, ready_pack):
    from tests.api.conftest import client_for

    client = Client()
    client.force_login(ava)
    assert client.get(reverse("reports:download", args=[ready_pack.pk])).status_code == 404
    assert client_for(ava).get(f"/api/v1/board-packs/{ready_pack.pk}/pdf/").status_code == 404
