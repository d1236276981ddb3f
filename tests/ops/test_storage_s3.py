"""Shared file storage on a real S3 API (moto's server on a loopback port): with STORAGE_URL set, evidence
uploads from the pages and the API, vendor evidence and board packs land in the bucket as private objects,
and leave only through the permission-checked downloads."""

import urllib.error
import urllib.request

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from config.settings.env import env_storage
from reports import pdf
from reports.models import BoardPack
from reviews.models import Evidence
from tests.api.conftest import client_for
from tests.factories import UserFactory
from tests.ops.s3_server import REGION, s3_bucket_fixture, s3_server_fixture  # noqa: F401 - fixtures
from tests.reviews.factories import PDF, submitted_use_case, upload
from tests.vendors.factories import VendorFactory
from vendors.models import Certification

STUB_PDF = b"%PDF-1.7\n% a board pack\n%%EOF\n"


@pytest.fixture
def use_case(ava, custops):
    return submitted_use_case(created_by=ava, business_unit=custops, title="Ticket summaries")


def anonymous_get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - the loopback test server
            return response.status
    except urllib.error.HTTPError as refused:
        return refused.code


def member(group: str, username: str):
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.mark.django_db
def test_evidence_uploaded_on_the_page_is_a_private_object_served_only_through_the_view(
        s3_bucket, ava_client, use_case, ben):
    response = ava_client.post(reverse("reviews:evidence_upload", args=[use_case.reference]),
                               {"file": upload("pilot-report.pdf", PDF)})
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert s3_bucket.keys() == [evidence.file.name]
    assert s3_bucket.read(evidence.file.name) == PDF
    assert anonymous_get(s3_bucket.object_url(evidence.file.name)) == 403  # the bucket never serves it

    url = reverse("reviews:evidence_download", args=[evidence.pk])
    download = ava_client.get(url)
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="pilot-report.pdf"'
    assert b"".join(download.streaming_content) == PDF
    other = Client()
    other.force_login(ben)
    assert other.get(url).status_code == 404


@pytest.mark.django_db
def test_an_object_gone_from_the_bucket_is_a_404_saying_so(s3_bucket, ava, ava_client, use_case):
    ava_client.post(reverse("reviews:evidence_upload", args=[use_case.reference]),
                    {"file": upload("pilot-report.pdf", PDF)})
    evidence = Evidence.objects.get()
    s3_bucket.server.client().delete_object(Bucket=s3_bucket.name, Key=evidence.file.name)

    assert ava_client.get(reverse("reviews:evidence_download", args=[evidence.pk])).status_code == 404
    response = client_for(ava).get(f"/api/v1/artefacts/{evidence.pk}/file/")
    assert (response.status_code, response.json()) == (404, {"detail": "The file is missing from storage."})


@pytest.mark.django_db
def test_an_artefact_uploaded_through_the_api_lands_in_the_bucket_and_downloads(s3_bucket, ava, ben, use_case):
    created = client_for(ava).post(f"/api/v1/use-cases/{use_case.reference}/evidence/",
                                   {"file": upload("impact.pdf", PDF), "artefact_type": ""}, format="multipart")
    assert created.status_code == 201, created.content
    evidence = Evidence.objects.get(pk=created.json()["id"])
    assert s3_bucket.keys() == [evidence.file.name]

    download = client_for(ava).get(f"/api/v1/artefacts/{evidence.pk}/file/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert client_for(ben).get(f"/api/v1/artefacts/{evidence.pk}/file/").status_code == 404


@pytest.mark.django_db
def test_a_board_pack_requested_on_the_page_is_rendered_into_the_bucket_and_downloads(
        s3_bucket, client, ava, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(pdf, "render_pdf", lambda html: STUB_PDF)  # the PDF's contents are not at issue here
    pat, sue = member("pmo", "pat.pmo"), member("executive_sponsors", "sue.sponsor")
    today = timezone.localdate()
    client.force_login(pat)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reports:list"), {
            "audience": "executive_monthly", "period_start": today.replace(day=1).isoformat(),
            "period_end": today.isoformat(), "decisions_required": "Fund the copilot.",
            "resourcing_notes": "", "next_period_priorities": ""})
    pack = BoardPack.objects.get()
    assert pack.status == "ready"
    assert s3_bucket.keys() == [pack.file.name]
    assert anonymous_get(s3_bucket.object_url(pack.file.name)) == 403

    client.force_login(sue)
    download = client.get(reverse("reports:download", args=[pack.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == STUB_PDF
    client.force_login(ava)
    assert client.get(reverse("reports:download", args=[pack.pk])).status_code == 404


@pytest.mark.django_db
def test_vendor_evidence_follows_the_configured_storage_and_its_link_is_the_admin_view(s3_bucket, gov):
    certification = Certification.objects.create(
        vendor=VendorFactory(name="Northwind AI"), kind="iso27001", issued_on="2025-01-01", expires_on="2028-01-01",
        evidence=SimpleUploadedFile("iso-cert.pdf", b"certificate"))
    assert s3_bucket.keys() == [certification.evidence.name]
    assert certification.evidence.url == reverse("admin:vendors_evidence_download", args=[certification.evidence.name])

    admin = Client()
    admin.force_login(gov)
    download = admin.get(certification.evidence.url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"certificate"
    assert Client().get(certification.evidence.url).status_code == 302  # to the admin login


def test_a_name_already_taken_never_replaces_the_object(s3_bucket):
    first = default_storage.save("board-packs/pack.pdf", ContentFile(b"first"))
    second = default_storage.save("board-packs/pack.pdf", ContentFile(b"second"))
    assert first == "board-packs/pack.pdf" and second != first
    assert (s3_bucket.read(first), s3_bucket.read(second)) == (b"first", b"second")


def test_without_storage_url_files_stay_on_the_local_disk(monkeypatch):
    monkeypatch.delenv("STORAGE_URL", raising=False)
    assert env_storage("STORAGE_URL") == {"BACKEND": "django.core.files.storage.FileSystemStorage"}


def test_storage_url_selects_a_private_bucket(monkeypatch):
    monkeypatch.setenv("STORAGE_URL", "s3://stagegate-files/prod?endpoint_url=https://s3.example.net&region=eu-west-2")
    config = env_storage("STORAGE_URL")
    assert config["BACKEND"] == "storages.backends.s3.S3Storage"
    assert config["OPTIONS"].items() >= {
        "bucket_name": "stagegate-files", "location": "prod", "endpoint_url": "https://s3.example.net",
        "region_name": "eu-west-2", "default_acl": None, "querystring_auth": True, "file_overwrite": False}.items()
    assert config["OPTIONS"]["querystring_expire"] <= 60


@pytest.mark.parametrize(("url", "words"), [
    ("file:///srv/media", "only s3:// is supported"),
    ("s3://Stagegate_Files", "bucket name"),
    ("s3://AKIA123:s3cr3t@stagegate-files", "credentials do not belong in the URL"),
    ("s3://stagegate-files/../other", "prefix"),
    ("s3://stagegate-files?endpoint=http://127.0.0.1:9000", "unknown parameter endpoint"),
    ("s3://stagegate-files?endpoint_url=127.0.0.1:9000", "endpoint_url must be http(s)://host[:port]"),
    ("s3://stagegate-files?endpoint_url=http://127.0.0.1:99999", "endpoint_url must be http(s)://host[:port]"),
    ("s3://stagegate-files?region=", "once, with a value"),
    ("s3://stagegate-files?addressing_style=dns", "addressing_style must be path or virtual"),
])
def test_a_malformed_storage_url_stops_start_up_with_the_reason(monkeypatch, url, words):
    monkeypatch.setenv("STORAGE_URL", url)
    with pytest.raises(ImproperlyConfigured, match="STORAGE_URL") as refused:
        env_storage("STORAGE_URL")
    assert words in str(refused.value)
    assert "s3cr3t" not in str(refused.value)


@pytest.mark.django_db
def test_a_bucket_that_cannot_be_reached_is_a_503_to_try_again_never_a_500(s3_bucket, ava, ava_client, use_case,
                                                                          settings, monkeypatch):
    ava_client.post(reverse("reviews:evidence_upload", args=[use_case.reference]),
                    {"file": upload("pilot-report.pdf", PDF)})
    evidence = Evidence.objects.get()
    closed = f"s3://{s3_bucket.name}?endpoint_url=http://127.0.0.1:1&region={REGION}"
    monkeypatch.setenv("STORAGE_URL", closed)
    settings.STORAGES = {**settings.STORAGES, "default": env_storage("STORAGE_URL")}

    page = ava_client.get(reverse("reviews:evidence_download", args=[evidence.pk]))
    api = client_for(ava).get(f"/api/v1/artefacts/{evidence.pk}/file/")
    for response in (page, api):
        assert (response.status_code, response["Retry-After"]) == (503, "30")
        assert b"try again" in response.content
