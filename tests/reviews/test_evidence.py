"""Uploads are checked by size, extension and content; downloads by permission."""

import os

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse

from reviews import services

from .conftest import review_of
from .factories import JPEG, PDF, PNG, WINDOWS_EXE, ooxml, upload


def attach(use_case, actor, file, **kwargs):
    return services.evidence_add(use_case=use_case, actor=actor, upload=file, **kwargs)


class TestUpload:
    @pytest.mark.parametrize(("name", "content", "content_type"), [
        ("threat model.pdf", PDF, "application/pdf"),
        ("diagram.PNG", PNG, "image/png"),
        ("photo.jpeg", JPEG, "image/jpeg"),
        ("dpia.docx", ooxml("word/document.xml"),
         "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("risks.xlsx", ooxml("xl/workbook.xml"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("metrics.csv", "kpi,value\nhandling time,8\nzufriedenheit,4.5 ☺\n".encode(), "text/csv"),
        ("notes.txt", b"Pen test scheduled for March.\r\n", "text/plain"),
    ])
    def test_accepted_types_are_stored_under_a_generated_name(self, low_case, sec, name, content, content_type):
        evidence = attach(low_case, sec, upload(name, content), review=review_of(low_case, "security"))

        assert evidence.content_type == content_type
        assert evidence.size == len(content)
        stored = os.path.basename(evidence.file.name)
        assert evidence.file.name.startswith("evidence/")
        assert len(stored.split(".")[0]) == 32 and stored.endswith(name.rsplit(".", 1)[1].lower())
        assert evidence.file.read() == content

    def test_the_original_name_is_sanitised_and_kept(self, low_case, ava):
        evidence = attach(low_case, ava, upload("../../etc/Risk register (v2).pdf", PDF))

        assert evidence.original_name == "Risk_register_v2.pdf"
        assert ".." not in evidence.file.name

    def test_a_very_long_name_is_cut_keeping_the_extension(self, low_case, ava):
        evidence = attach(low_case, ava, upload("x" * 300 + ".pdf", PDF))

        assert len(evidence.original_name) == 200 and evidence.original_name.endswith(".pdf")

    def test_too_big_is_refused(self, low_case, ava, settings):
        settings.EVIDENCE_MAX_BYTES = 1024
        with pytest.raises(ValidationError) as refused:
            attach(low_case, ava, upload("big.pdf", PDF + b"0" * 2048))

        assert refused.value.message_dict["file"] == ["The file is 3 KB; the limit is 1 KB."]

    def test_the_default_limit_is_ten_megabytes(self, low_case, ava):
        with pytest.raises(ValidationError, match=r"the limit is 10\.0 MB"):
            attach(low_case, ava, upload("big.pdf", PDF + b"0" * (10 * 1024 * 1024)))

    @pytest.mark.parametrize("name", ["setup.exe", "page.html", "script.js", "archive.zip", "noextension"])
    def test_other_types_are_refused(self, low_case, ava, name):
        with pytest.raises(ValidationError, match="Files of this type are not accepted"):
            attach(low_case, ava, upload(name, b"hello"))

    @pytest.mark.parametrize(("name", "content"), [
        ("report.pdf", b"This is really just text, not a PDF."),
        ("screenshot.png", WINDOWS_EXE),
        ("photo.jpg", PNG),
        ("dpia.docx", b"PK\x03\x04 but not really a zip"),
        ("dpia.docx", ooxml("xl/workbook.xml")),
        ("risks.xlsx", PDF),
        ("notes.txt", WINDOWS_EXE),
        ("data.csv", PDF),
    ])
    def test_content_must_match_the_extension(self, low_case, ava, name, content):
        with pytest.raises(ValidationError) as refused:
            attach(low_case, ava, upload(name, content))

        assert "content is not a" in refused.value.message_dict["file"][0]

    def test_empty_file_is_refused(self, low_case, ava):
        with pytest.raises(ValidationError, match="empty"):
            attach(low_case, ava, upload("empty.txt", b""))

    def test_only_people_who_may_comment_may_attach(self, low_case, ben):
        with pytest.raises(Http404):
            attach(low_case, ben, upload("x.pdf", PDF))

    def test_the_review_must_belong_to_the_use_case(self, low_case, medium_case, ava):
        with pytest.raises(ValidationError) as refused:
            attach(low_case, ava, upload("x.pdf", PDF), review=review_of(medium_case, "security"))
        assert "review" in refused.value.message_dict


class TestDownload:
    @pytest.fixture
    def evidence(self, low_case, ava):
        return attach(low_case, ava, upload("Threat model.pdf", PDF))

    def url(self, evidence):
        return reverse("reviews:evidence_download", args=[evidence.pk])

    def test_someone_who_may_view_downloads_an_attachment(self, client, evidence, sec):
        client.force_login(sec)
        response = client.get(self.url(evidence))

        assert response.status_code == 200
        assert response["Content-Disposition"] == 'attachment; filename="Threat_model.pdf"'
        assert response["Content-Type"] == "application/octet-stream"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content) == PDF

    def test_someone_who_may_not_view_gets_404(self, client, evidence, ben):
        client.force_login(ben)
        assert client.get(self.url(evidence)).status_code == 404

    def test_anonymous_is_sent_to_log_in(self, client, evidence):
        response = client.get(self.url(evidence))
        assert response.status_code == 302 and "login" in response["Location"]

    def test_a_file_missing_from_storage_is_404(self, client, evidence, ava):
        evidence.file.delete(save=False)
        client.force_login(ava)
        assert client.get(self.url(evidence)).status_code == 404

    def test_unknown_evidence_is_404(self, client, ava):
        client.force_login(ava)
        assert client.get(reverse("reviews:evidence_download", args=[999999])).status_code == 404
