"""Evidence uploads: at most 10 MB, only safe types, clear errors, never a server error."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory
from tests.vendors.conftest import start
from vendors import services
from vendors.models import Certification
from vendors.validators import MAX_EVIDENCE_BYTES, validate_evidence_file


def upload(name: str, size: int = 100) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"x" * size, content_type="application/octet-stream")


@pytest.mark.parametrize("name", ["report.pdf", "scan.PNG", "photo.jpeg", "photo.jpg", "dpa.docx",
                                  "risk.xlsx", "notes.txt"])
def test_allowed_types_pass(name):
    validate_evidence_file(upload(name))


def test_exactly_10_mb_passes():
    validate_evidence_file(upload("report.pdf", MAX_EVIDENCE_BYTES))


@pytest.mark.parametrize(("name", "size", "message"), [
    ("report.pdf", MAX_EVIDENCE_BYTES + 1, "The file is 10.1 MB; evidence files may be at most 10 MB."),
    ("installer.exe", 100, ".exe files are not accepted as evidence; upload one of: pdf, png, jpg, jpeg, docx, "
                           "xlsx, txt."),
    ("report.pdf.html", 100, ".html files are not accepted"),
    ("README", 100, "Files without an extension are not accepted"),
])
def test_too_big_or_wrong_type_is_a_validation_error(name, size, message):
    with pytest.raises(ValidationError) as err:
        validate_evidence_file(upload(name, size))
    assert message in err.value.messages[0]


@pytest.mark.parametrize(("name", "size", "message"), [
    ("big.pdf", MAX_EVIDENCE_BYTES + 1, "at most 10 MB"),
    ("macro.xlsm", 100, ".xlsm files are not accepted"),
])
def test_admin_upload_shows_the_error_instead_of_failing(gov_client, vendor, name, size, message):
    response = gov_client.post(reverse("admin:vendors_certification_add"), {
        "vendor": vendor.pk, "kind": "soc2_type2", "name": "", "issued_on": "2025-01-01",
        "expires_on": "2026-01-01", "evidence": upload(name, size),
    })
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Certification.objects.exists()


def test_admin_upload_stores_a_sanitised_name_under_vendors_certifications(gov_client, vendor):
    response = gov_client.post(reverse("admin:vendors_certification_add"), {
        "vendor": vendor.pk, "kind": "iso27001", "issued_on": "2025-01-01", "expires_on": "2028-01-01",
        "evidence": upload("ISO cert (final) & signed!.pdf"),
    })
    assert response.status_code == 302
    stored = Certification.objects.get().evidence.name
    assert stored.startswith("vendors/certifications/")
    assert stored.endswith("/ISO_cert_final__signed.pdf")  # spaces become _, punctuation goes


def test_other_certification_needs_a_name(gov_client, vendor):
    response = gov_client.post(reverse("admin:vendors_certification_add"), {
        "vendor": vendor.pk, "kind": "other", "name": "",
    })
    assert response.status_code == 200
    assert "Name the certification when the kind is Other." in response.content.decode()


def test_rating_attachment_through_the_service_is_validated(vendor, pat):
    assessment = start(vendor, pat)
    with pytest.raises(ValidationError) as err:
        services.vendor_assessment_rate(assessment=assessment, actor=pat, ratings={
            "security_posture": {"rating": "meets", "attachment": upload("pentest.zip")},
        })
    assert ".zip files are not accepted" in str(err.value.message_dict["security_posture"])
    services.vendor_assessment_rate(assessment=assessment, actor=pat, ratings={
        "security_posture": {"rating": "meets", "attachment": upload("pentest.pdf")},
    })
    row = assessment.ratings.get(area__key="security_posture")
    assert row.attachment.name.startswith("vendors/assessments/")


@pytest.fixture
def certification(gov_client, vendor):
    gov_client.post(reverse("admin:vendors_certification_add"), {
        "vendor": vendor.pk, "kind": "iso27001", "evidence": upload("iso.pdf"),
    })
    return Certification.objects.get()


def test_pages_showing_a_stored_file_render(gov_client, vendor, pat, certification):
    """Evidence has no public URL; every admin page links to the download view instead."""
    assessment = start(vendor, pat, rating="meets")
    services.vendor_assessment_rate(assessment=assessment, actor=pat, ratings={
        "security_posture": {"attachment": upload("pentest.pdf")}})
    services.vendor_assessment_complete(assessment=assessment, actor=pat, outcome="approved")  # read-only view
    download = certification.evidence.url
    for url in (reverse("admin:vendors_certification_change", args=[certification.pk]),
                reverse("admin:vendors_certification_changelist"),
                reverse("admin:vendors_vendor_change", args=[vendor.pk]),
                reverse("admin:vendors_vendorassessment_change", args=[assessment.pk])):
        response = gov_client.get(url)
        assert response.status_code == 200, url
    assert download in gov_client.get(reverse("admin:vendors_vendor_change", args=[vendor.pk])).content.decode()


def test_download_is_an_attachment_that_browsers_will_not_render(gov_client, certification):
    response = gov_client.get(certification.evidence.url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == b"x" * 100


def test_download_needs_staff_with_view_permission(certification):
    client = Client()  # not the fixture's client: that one is logged in as gov
    assert client.get(certification.evidence.url).status_code == 302  # to the admin login
    client.force_login(UserFactory(username="staff.without.perms", is_staff=True))
    assert client.get(certification.evidence.url).status_code == 403


def test_download_of_an_unknown_name_is_404(gov_client, db):
    url = reverse("admin:vendors_evidence_download", args=["vendors/certifications/../../settings.py"])
    assert gov_client.get(url).status_code == 404
