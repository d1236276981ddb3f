"""The board-pack page says what state a requested pack is really in, and writes dates one way."""

import datetime
import re

import pytest
from django.urls import reverse

from reports import pdf
from reports.models import BoardPack

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

LIST = reverse("reports:list")
MAY = {"audience": "executive_monthly", "period_start": "2026-05-01", "period_end": "2026-05-09",
            "decisions_required": "Fund the copilot.", "resourcing_notes": "", "next_period_priorities": ""}


@pytest.fixture(autouse=True)
def stub_render(monkeypatch):
    monkeypatch.setattr(pdf, "render_pdf", lambda html: b"%PDF-1.7\n% stub\n%%EOF\n")


def request_pack(client, user, capture, *, render: bool):
    client.force_login(user)
    with capture(execute=render):
        response = client.post(LIST, MAY)
    assert response.status_code == 302 and response["Location"] == LIST
    return client.get(LIST).content.decode()


def note(html: str) -> str:
    return html.split('id="requested-note"', 1)[1].split("</ul>", 1)[0]


def test_a_pack_rendered_at_once_is_announced_ready(client, pat, django_capture_on_commit_callbacks):
    html = request_pack(client, pat, django_capture_on_commit_callbacks, render=True)
    assert BoardPack.objects.get().status == "ready"
    assert "pack 1 May 2026 – 9 May 2026 is ready to download." in note(html)
    assert "being built" not in html and "until it is ready" not in note(html)


def test_a_pack_still_queued_is_announced_as_in_progress(client, pat, django_capture_on_commit_callbacks):
    html = request_pack(client, pat, django_capture_on_commit_callbacks, render=False)
    assert "1 May 2026 – 9 May 2026 requested. This page shows its progress until it is ready." in note(html)


def test_a_failed_pack_is_announced_as_failed(client, pat, django_capture_on_commit_callbacks, monkeypatch):
    def broken(html):
        raise RuntimeError("no fonts")

    monkeypatch.setattr(pdf, "render_pdf", broken)
    html = request_pack(client, pat, django_capture_on_commit_callbacks, render=True)
    assert "could not be built" in note(html)


def test_the_note_is_said_once(client, pat, django_capture_on_commit_callbacks):
    request_pack(client, pat, django_capture_on_commit_callbacks, render=True)
    assert 'id="requested-note"' not in client.get(LIST).content.decode()


def test_every_date_on_the_page_is_written_without_a_leading_zero(client, pat, django_capture_on_commit_callbacks):
    html = request_pack(client, pat, django_capture_on_commit_callbacks, render=True)
    assert not re.search(r"\b0\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}", html)
    assert html.count("1 May 2026") >= 2  # the note and the table


def test_a_retried_pack_is_named_with_the_same_dates(client, pat):
    pack = BoardPack.objects.create(audience="executive_monthly", period_start=datetime.date(2026, 5, 1),
                                    period_end=datetime.date(2026, 5, 9), status="failed", requested_by=pat)
    assert str(pack).endswith("pack 1 May 2026 – 9 May 2026")
